import Foundation
import LogonymCore
import Testing

/// Attack on the scrub stage (issue 15): independent corpora (`attack-planted.tsv`, `attack-control.tsv`, reported
/// without thresholds) and regression tests for the leaks, false changes and crashes found.
struct ScrubAttackTests {
    // MARK: Helpers

    static func scrubURL(_ url: String, settings: ScrubSettings = ScrubSettings()) -> String {
        let scrubber = Scrubber(settings: settings)
        let bytes = Array(url.utf8)
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { scrubber.writeURL($0, 0..<$0.count, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Everything a reader could undo: `%XX` (any depth), `%uXXXX`, `\uXXXX`, `&#NN;`/`&#xNN;`, `+` as a blank.
    static func fullyDecoded(_ s: String) -> String {
        var bytes = Array(s.utf8)
        for _ in 0..<6 {
            var out: [UInt8] = []
            var i = 0
            func hex(_ c: UInt8) -> UInt8? {
                switch c {
                case 0x30...0x39: c - 0x30
                case 0x41...0x46: c - 0x37
                case 0x61...0x66: c - 0x57
                default: nil
                }
            }
            func hex4(_ k: Int) -> UInt32? {
                guard k + 4 <= bytes.count else { return nil }
                var v: UInt32 = 0
                for j in k..<(k + 4) {
                    guard let h = hex(bytes[j]) else { return nil }
                    v = v << 4 | UInt32(h)
                }
                return v
            }
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                } else if c == UInt8(ascii: "%") || c == UInt8(ascii: "\\"), i + 5 < bytes.count,
                    bytes[i + 1] | 0x20 == UInt8(ascii: "u"), let v = hex4(i + 2), let scalar = Unicode.Scalar(v)
                {
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    i += 6
                } else if c == UInt8(ascii: "&"), i + 3 < bytes.count, bytes[i + 1] == UInt8(ascii: "#"),
                    let semi = bytes[(i + 2)...].prefix(8).firstIndex(of: UInt8(ascii: ";"))
                {
                    let body = String(decoding: bytes[(i + 2)..<semi], as: UTF8.self)
                    let value =
                        body.hasPrefix("x") || body.hasPrefix("X")
                        ? UInt32(body.dropFirst(), radix: 16) : UInt32(body, radix: 10)
                    if let value, let scalar = Unicode.Scalar(value) {
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                        i = semi + 1
                    } else {
                        out.append(c)
                        i += 1
                    }
                } else if c == UInt8(ascii: "+") {
                    out.append(0x20)
                    i += 1
                } else {
                    out.append(c)
                    i += 1
                }
            }
            if out == bytes { break }
            bytes = out
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the scrubbed URL still holds one of the planted values (raw, or as a reader decodes it).
    static func keeps(_ output: String, _ values: [String]) -> [String] {
        let decodedOutput = fullyDecoded(output)
        return values.filter { output.contains($0) || decodedOutput.contains(fullyDecoded($0)) }
    }

    static func rows(_ name: String) throws -> [[String]] {
        try String(contentsOfFile: Fixtures.path(name), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
    }

    // MARK: Corpora (reported, no thresholds)

    @Test func independentCorporaRates() throws {
        let planted = try Self.rows("scrub/attack-planted.tsv")
        var byCategory: [String: (total: Int, kept: Int, examples: [String])] = [:]
        var kept = 0
        var keptInReach = 0
        var inReach = 0
        for row in planted {
            let (url, category, values) = (row[0], row[1], Array(row.dropFirst(2)))
            let output = Self.scrubURL(url)
            let left = Self.keeps(output, values)
            let outOfReach = category.contains("out-of-reach")
            if !outOfReach { inReach += 1 }
            var entry = byCategory[category] ?? (0, 0, [])
            entry.total += 1
            if !left.isEmpty {
                kept += 1
                if !outOfReach { keptInReach += 1 }
                entry.kept += 1
                if entry.examples.count < 2 { entry.examples.append("\(url) → \(output)") }
            }
            byCategory[category] = entry
        }
        var report = "planted: \(kept)/\(planted.count) URLs keep personal data; in reach: \(keptInReach)/\(inReach)\n"
        for (category, e) in byCategory.sorted(by: {
            $0.value.kept * 1000 / $0.value.total > $1.value.kept * 1000 / $1.value.total
        }) {
            report += "  \(category): \(e.kept)/\(e.total)\n"
            for example in e.examples { report += "      \(example)\n" }
        }
        let control = try Self.rows("scrub/attack-control.tsv")
        var changed = 0
        var changedByCategory: [String: (Int, Int)] = [:]
        var changedExamples: [String] = []
        for row in control {
            let output = Self.scrubURL(row[0])
            var e = changedByCategory[row[1]] ?? (0, 0)
            e.1 += 1
            if output != row[0] {
                changed += 1
                e.0 += 1
                changedExamples.append("[\(row[1])] \(row[0]) → \(output)")
            }
            changedByCategory[row[1]] = e
        }
        report += "control: \(changed)/\(control.count) URLs changed\n"
        for (category, e) in changedByCategory.sorted(by: { $0.key < $1.key }) {
            report += "  \(category): \(e.0)/\(e.1)\n"
        }
        for example in changedExamples { report += "      \(example)\n" }
        print(report)
        try? report.write(toFile: NSTemporaryDirectory() + "scrub-attack-rates.txt", atomically: true, encoding: .utf8)
        #expect(planted.count >= 300)
        #expect(control.count >= 500)
    }
}

/// Regression tests for what the attack found: each fails on the commit attacked (38d544a/98fbc5c).
struct ScrubAttackRegressionTests {
    static func scrub(_ url: String) -> String { ScrubAttackTests.scrubURL(url) }

    // MARK: Leaks in shapes the code says it handles

    /// `PercentDecoding` decodes `\u00XX` and `\xXX`, but a value is only decoded when it holds `%` or `+`: a JSON
    /// escape alone (`ann\u0040example.com`, from a JavaScript-built link) is never read, in a query value or a path
    /// segment.
    @Test(arguments: ["/x?to=ann\\u0040example.com", "/x?to=ann\\x40example.com", "/u/ann\\u0040example.com/profile"])
    func escapedAtSignWithoutPercentIsDecoded(_ url: String) {
        let out = Self.scrub(url)
        #expect(!out.contains("ann"), "\(url) → \(out)")
    }

    /// "deeper ones go whole" (`nestingLimit`): a denied pair in a URL nested one level deeper than the walk goes is
    /// kept instead (`password=hunter2` four URLs down a redirector chain).
    @Test func pairBelowTheNestingLimitGoesWhole() {
        let url =
            "/r?u=https%3A%2F%2Fa.example%2Fr%3Fu%3Dhttps%253A%252F%252Fb.example%252Fr%253Fu%253Dhttps%25253A%25252F%25252Fc.example%25252Fr%25253Fu%25253Dhttps%2525253A%2525252F%2525252Fd.example%2525252F%2525253Fpassword%2525253Dhunter2"
        let out = Self.scrub(url)
        #expect(!out.contains("hunter2"), "\(out)")
    }

    /// E-mail in base64 JSON (`holdsEncodedEmail`): decoding stops at the first byte that is not printable ASCII, so
    /// a UTF-8 name anywhere in the object (`{"name":"Amélie","email":"ann@example.com"}`), or the newline `echo |
    /// base64` adds, hides the address.
    @Test(arguments: [
        // {"name":"Amélie","email":"ann@example.com"}
        "/x?u=eyJuYW1lIjoiQW3DqWxpZSIsImVtYWlsIjoiYW5uQGV4YW1wbGUuY29tIn0",
        // {"email":"ann@example.com","name":"Amélie"}
        "/x?u=eyJlbWFpbCI6ImFubkBleGFtcGxlLmNvbSIsIm5hbWUiOiJBbcOpbGllIn0",
        "/x?u=YW5uQGV4YW1wbGUuY29tCg",  // "ann@example.com\n"
        "/x?u=eyJ1c2VyIjp7Im1haWwiOiJhbm5cdTAwNDBleGFtcGxlLmNvbSJ9fQ",  // {"user":{"mail":"ann\u0040example.com"}}
    ])
    func emailInBase64WithNonASCIIOrEscapes(_ url: String) {
        let out = Self.scrub(url)
        #expect(out.contains("[Filtered]"), "\(url) → \(out)")
    }

    /// Userinfo in a nested protocol-relative URL (`//user:pass@host/`): only `scheme://` is taken for an authority.
    @Test func userinfoInProtocolRelativeNestedURL() {
        let out = Self.scrub("/r?u=//john:secretpw@a.example/")
        #expect(!out.contains("secretpw"), "\(out)")
    }

    /// A lower-case token with fewer than six digits after `/reset/` (or `/s/`): the walk replaces it
    /// (`/reset/[Filtered]/step/1234567`), but the plain screen, which "errs one way only", waves the same path
    /// through untouched when no other segment has six digits, so whether the token goes depends on an unrelated
    /// segment.
    @Test(arguments: [
        "/reset/qwertyuiopasdfgh1", "/account/reset/kqzvbnmwertyuioplkjhgfdsaxc", "/s/kq7vbnmwertyuiopasd/dashboard",
    ])
    func plainScreenLetsLinkTokensThrough(_ url: String) {
        let token = url.split(separator: "/").first { $0.count >= 12 }.map(String.init) ?? ""
        let walked = Self.scrub(url + "/step/1234567")
        #expect(!walked.contains(token), "\(walked)")
        let screened = Self.scrub(url)
        #expect(!screened.contains(token), "\(url) → \(screened)")
    }

    // MARK: Misses in the issue's own scope (OIDC names, national phone forms, IDN mail)

    /// OpenID Connect Session Management's `session_state` (Keycloak, Azure AD, IdentityServer) is a session id.
    @Test func oidcSessionStateIsASessionID() {
        let out = Self.scrub("/realms/master/account/?session_state=3f2b1c4e-9a8d-4e7f-b6c5-1a2b3c4d5e6f&iss=x")
        #expect(!out.contains("3f2b1c4e"), "\(out)")
    }

    /// National phone forms the issue asks for ("separated national forms"): Dutch `06-12345678`, Spanish
    /// `612 34 56 78` (no trunk 0), Italian `333 123 4567`, international `00` prefix, and French numbers typed with
    /// the no-break spaces French typography uses.
    @Test(arguments: [
        "/sms?to=06-12345678", "/sms?to=612+34+56+78", "/sms?to=333+123+4567", "/sms?to=0033612345678",
        "/sms?to=06%C2%A012%C2%A034%C2%A056%C2%A078", "/sms?to=06%E2%80%AF12%E2%80%AF34%E2%80%AF56%E2%80%AF78",
    ])
    func nationalPhoneForms(_ url: String) {
        let out = Self.scrub(url)
        #expect(out.contains("[Filtered]"), "\(url) → \(out)")
    }

    /// An e-mail address whose domain is internationalized (`ann@bücher.de`, raw or percent-encoded UTF-8).
    @Test(arguments: ["/x?to=ann@b%C3%BCcher.de", "/x?to=ann@bücher.de"])
    func internationalizedDomainEmail(_ url: String) {
        let out = Self.scrub(url)
        #expect(!out.contains("ann@"), "\(url) → \(out)")
    }

    // MARK: False changes

    /// An air waybill (`020-12345675`: airline prefix and serial) is taken for a phone number (a leading 0, a 3-digit
    /// "area code" and one group).
    @Test func airWaybillIsNotAPhone() {
        let url = "/track?awb=020-12345675"
        #expect(Self.scrub(url) == url)
    }

    /// Lottery draw numbers (`04-12-23-34-45-56`) are six 2-digit groups starting with 0: taken for a phone number.
    @Test func lotteryNumbersAreNotAPhone() {
        let url = "/resultats?numeros=04-12-23-34-45-56"
        #expect(Self.scrub(url) == url)
    }
}
