import Foundation
public import LogonymCore

/// The Tor range files of Debian's `tor-geoipdb` (`/usr/share/tor/geoip`, `geoip6`), read directly: sorted,
/// inclusive `START,END,CC` ranges (decimal IPv4, textual IPv6). `??` means unknown, `UK` is `GB`, and `EU` and
/// `AP` name a continent only (Europe, Asia-Pacific).
public final class TorRangeDatabase: GeoDatabase {
    public let paths: [String]
    private var v4Starts: [UInt32] = []
    private var v4Ends: [UInt32] = []
    private var v4Codes: [UInt16] = []
    private var v6Starts: [UInt128] = []
    private var v6Ends: [UInt128] = []
    private var v6Codes: [UInt16] = []

    /// Reads the IPv4 file and/or the IPv6 file; a line that is not a range fails, naming the file and line.
    public init(ipv4: String?, ipv6: String?) throws(LogonymIOError) {
        paths = [ipv4, ipv6].compactMap { $0 }
        if let ipv4 {
            try Self.read(ipv4) { start, end, code throws(LogonymIOError) in
                guard let s = UInt32(start), let e = UInt32(end), s <= e else { return false }
                v4Starts.append(s)
                v4Ends.append(e)
                v4Codes.append(code)
                return true
            }
        }
        if let ipv6 {
            try Self.read(ipv6) { start, end, code throws(LogonymIOError) in
                guard case .v6(let sh, let sl)? = IPAddress(start), case .v6(let eh, let el)? = IPAddress(end) else {
                    return false
                }
                let s = UInt128(sh) << 64 | UInt128(sl)
                let e = UInt128(eh) << 64 | UInt128(el)
                guard s <= e else { return false }
                v6Starts.append(s)
                v6Ends.append(e)
                v6Codes.append(code)
                return true
            }
        }
        guard Self.sorted(v4Starts, v4Ends), Self.sorted(v6Starts, v6Ends) else {
            throw LogonymIOError(
                code: .invalidDatabase,
                path: paths.joined(separator: ", "),
                message: "the ranges are not sorted and disjoint"
            )
        }
    }

    /// Ranges read (IPv4 and IPv6).
    public var rangeCount: Int { v4Starts.count + v6Starts.count }

    public func lookup(_ address: IPAddress) -> GeoBucket {
        let code: UInt16?
        switch address {
        case .v4(let value): code = Self.find(value, v4Starts, v4Ends, v4Codes)
        case .v6(let hi, let lo): code = Self.find(UInt128(hi) << 64 | UInt128(lo), v6Starts, v6Ends, v6Codes)
        }
        guard let code, code != 0 else { return .unknown }
        switch code {
        case Self.europe: return GeoBucket(continent: GeoCode.pack(UInt8(ascii: "E"), UInt8(ascii: "U")))
        case Self.asiaPacific: return GeoBucket(continent: GeoCode.pack(UInt8(ascii: "A"), UInt8(ascii: "S")))
        default:
            return GeoBucket(continent: ContinentTable.continent(ofCountry: code) ?? 0, country: code)
        }
    }

    static let europe = GeoCode.pack(UInt8(ascii: "E"), UInt8(ascii: "U"))
    static let asiaPacific = GeoCode.pack(UInt8(ascii: "A"), UInt8(ascii: "P"))

    private static func find<T: Comparable>(_ value: T, _ starts: [T], _ ends: [T], _ codes: [UInt16]) -> UInt16? {
        // The last range starting at or before the value.
        var low = 0
        var high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] <= value { low = middle + 1 } else { high = middle }
        }
        guard low > 0, value <= ends[low - 1] else { return nil }
        return codes[low - 1]
    }

    private static func sorted<T: Comparable>(_ starts: [T], _ ends: [T]) -> Bool {
        for i in starts.indices.dropFirst() where starts[i] <= ends[i - 1] { return false }
        return true
    }

    /// Calls `add` with every data line's start, end and code (`??` as 0, `UK` as `GB`).
    private static func read(
        _ path: String,
        _ add: (Substring, Substring, UInt16) throws(LogonymIOError) -> Bool
    ) throws(LogonymIOError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .system("open", path: path, errno: access(path, R_OK) == 0 ? EIO : errno)
        }
        let text = String(decoding: data, as: UTF8.self)
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: ",")
            var code: UInt16? = parts.count == 3 && parts[2] == "??" ? 0 : nil
            if parts.count == 3, code == nil { code = GeoCode.pack(parts[2]) }
            if code == GeoCode.pack("UK") { code = GeoCode.pack("GB") }
            guard let code, try add(parts[0], parts[1], code) else {
                throw LogonymIOError(
                    code: .invalidDatabase,
                    path: path,
                    message: "line \(number) is not a START,END,CC range of the Tor geoip format"
                )
            }
        }
    }
}

@available(*, unavailable)
extension TorRangeDatabase: Sendable {}
