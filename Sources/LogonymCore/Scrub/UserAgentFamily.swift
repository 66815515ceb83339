/// A user agent reduced to its browser family, major version and OS family: `Chrome/120 (Windows)`. Bots and
/// tools keep their first product token (`Googlebot/2.1`, `curl/8.5.0`); anything else becomes `Other`.
enum UserAgentFamily {
    static func describe(_ ua: [UInt8]) -> [UInt8] {
        let text = String(decoding: ua, as: UTF8.self)
        let os = operatingSystem(text)
        let browsers: [(marker: String, name: String)] = [
            ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("CriOS/", "Chrome"), ("FxiOS/", "Firefox"),
        ]
        for (marker, name) in browsers {
            if let version = majorVersion(after: marker, in: text) {
                return Array("\(name)/\(version)\(os.map { " (\($0))" } ?? "")".utf8)
            }
        }
        if text.contains("Safari/"), let version = majorVersion(after: "Version/", in: text) {
            return Array("Safari/\(version)\(os.map { " (\($0))" } ?? "")".utf8)
        }
        if !text.hasPrefix("Mozilla/"), let token = text.split(separator: " ").first, token.contains("/") {
            // A bot or a tool: its own product token says what it is.
            return Array(token.utf8)
        }
        let lower = text.lowercased()
        if lower.contains("bot") || lower.contains("spider") || lower.contains("crawl") { return Array("Bot".utf8) }
        return Array("Other\(os.map { " (\($0))" } ?? "")".utf8)
    }

    static func majorVersion(after marker: String, in text: String) -> String? {
        let bytes = Array(text.utf8)
        let needle = Array(marker.utf8)
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle)
        {
            let digits = bytes[(start + needle.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
            return digits.isEmpty ? nil : String(decoding: digits, as: UTF8.self)
        }
        return nil
    }

    static func operatingSystem(_ text: String) -> String? {
        if text.contains("Windows") { return "Windows" }
        if text.contains("iPhone") || text.contains("iPad") || text.contains("iPod") { return "iOS" }
        if text.contains("Android") { return "Android" }
        if text.contains("Mac OS X") || text.contains("Macintosh") { return "macOS" }
        if text.contains("CrOS") { return "ChromeOS" }
        if text.contains("Linux") { return "Linux" }
        return nil
    }
}
