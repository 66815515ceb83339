import Foundation
import LogonymCore
import Testing

/// The scrub stage through a line processor, as `anonymize` runs it: planted personal data in many encodings goes,
/// ordinary URLs keep every byte, and the line still parses with its format afterwards.
struct ScrubTests {
    static let combined = LogFormat.combined

    /// Runs combined lines through a processor with the scrub stage on.
    static func scrub(
        _ lines: [String],
        settings: ScrubSettings = ScrubSettings(),
        method: AnonymizationMethod = .truncate,
        key: PseudonymKey? = nil,
        format: InputFormat = .text(combined)
    ) -> (output: [String], counters: RunCounters) {
        let processor = LineProcessor(format: format, anonymizer: Anonymizer(method: method, key: key))
        processor.setScrubber(Scrubber(settings: settings))
        var out: [UInt8] = []
        for line in lines {
            let bytes = Array(line.utf8)
            bytes.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
        }
        let text = String(decoding: out, as: UTF8.self)
        return (
            text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init),
            processor.counters
        )
    }

    static func line(
        request: String = "/",
        referrer: String = "-",
        agent: String = "curl/8.5.0",
        user: String = "-"
    )
        -> String
    {
        #"192.0.2.0 - \#(user) [27/Nov/2026:10:00:00 +0000] "GET \#(request) HTTP/1.1" 200 512 "\#(referrer)" "\#(agent)""#
    }

    static func planted() throws -> [(url: String, value: String)] {
        try Fixtures.tsv("scrub/planted.tsv").map { ($0[0], $0[1]) }
    }

    static func lines(_ name: String) throws -> [String] {
        try String(contentsOfFile: Fixtures.path(name), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map(String.init)
    }

    /// `value` percent-decoded (and `+` read as a space), as a reader of the log would see it.
    static func decoded(_ value: String) -> String {
        (value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value)
    }

    @Test func everyPlantedValueIsGoneFromRequestsAndReferrers() throws {
        let planted = try Self.planted()
        #expect(planted.count >= 50)
        let input = planted.flatMap { [Self.line(request: $0.url), Self.line(referrer: $0.url)] }
        let (output, counters) = Self.scrub(input)
        #expect(output.count == input.count)
        let match = FieldMatch()
        for (k, line) in output.enumerated() {
            let (url, value) = planted[k / 2]
            #expect(!line.contains(value), "\(url) → \(line)")
            #expect(!line.contains(Self.decoded(value)), "\(url) → \(line)")
            #expect(line.contains("[Filtered]"), "\(url) → \(line)")
            // Still the format it was.
            let bytes = Array(line.utf8)
            let parses = bytes.withUnsafeBufferPointer { Self.combined.match($0, from: 0, to: $0.count, into: match) }
            #expect(parses, "\(line)")
        }
        // Counted by name, never by value.
        let names = counters.named.map(\.0).filter { $0.hasPrefix("scrubbed_") }
        for expected in [
            "scrubbed_param:password", "scrubbed_param:email", "scrubbed_param:api_key",
            "scrubbed_param:authorization",
            "scrubbed_param:jsessionid", "scrubbed_param:x_amz_signature", "scrubbed_detector:email",
            "scrubbed_detector:card", "scrubbed_detector:iban", "scrubbed_detector:ip", "scrubbed_detector:jwt",
            "scrubbed_detector:userinfo", "scrubbed_detector:long_value",
            "scrubbed_param:code",
        ] {
            #expect(names.contains(expected), "\(expected) not in \(names)")
        }
        for name in names {
            for (_, value) in planted where value.count >= 4 {
                #expect(!name.contains(value) && !name.contains(Self.decoded(value)), "\(name)")
            }
        }
    }

    @Test func theControlCorpusKeepsEveryByte() throws {
        let urls = try Self.lines("scrub/control.txt")
        let agents = try Self.lines("scrub/control-agents.txt")
        #expect(urls.count >= 35)
        var input = urls.flatMap { [Self.line(request: $0), Self.line(referrer: $0)] }
        input += agents.map { Self.line(agent: $0) }
        input.append(Self.line(user: "frank"))
        let (output, counters) = Self.scrub(input)
        #expect(output == input)
        #expect(counters.scrubbed.isEmpty)
    }

    @Test func theSameURLAgainComesOutTheSameAndCountsAgain() throws {
        let url = "/reset?email=alice%40example.com&token=abc123secret&page=2"
        let (output, counters) = Self.scrub(Array(repeating: Self.line(request: url, referrer: url), count: 3))
        #expect(Set(output).count == 1)
        #expect(output[0].contains("/reset?email=[Filtered]&token=[Filtered]&page=2"))
        #expect(counters.scrubbed["param:email"] == 6)
        #expect(counters.scrubbed["param:token"] == 6)
    }

    @Test(arguments: [
        // Not the e-mail-and-card detectors' (not a whole token), but the address scanner's: every field is scanned.
        ("/download/1.2.3.4.tar.gz", "/download/1.2.3.0.tar.gz"),
        ("/u/1.2.3.4", "/u/[Filtered]"),
        ("/u/1.2.3.4/settings", "/u/[Filtered]/settings"),
        ("/pay?ref=4111111111111112", "/pay?ref=4111111111111112"),  // fails Luhn
        ("/pay?ref=4111111111111111", "/pay?ref=[Filtered]"),
        ("/pay?acct=DE89370400440532013001", "/pay?acct=DE89370400440532013001"),  // fails mod 97
        ("/pay?acct=DE89370400440532013000", "/pay?acct=[Filtered]"),
        ("/a?who=nobody@localhost", "/a?who=nobody@localhost"),  // no dot in the domain
        // Names are matched with case, `-`, `_` and camelCase folded.
        ("/a?q=swift+logs&Password=x&PASS-WORD=y", "/a?q=swift+logs&Password=[Filtered]&PASS-WORD=[Filtered]"),
        ("/a?pass_word=y&api_key=1&API-KEY=2", "/a?pass_word=[Filtered]&api_key=[Filtered]&API-KEY=[Filtered]"),
        ("/a?passw=y&apiKeys=2", "/a?passw=y&apiKeys=2"),
    ])
    func detectorsMatchWholeTokensAndCheckDigits(_ url: String, _ expected: String) {
        let (output, _) = Self.scrub([Self.line(request: url)])
        #expect(output == [Self.line(request: expected)])
    }

    @Test func aSegmentOverOneKilobyteGoesEvenWithoutDigits() {
        let blob = String(repeating: "abcdefgh", count: 160)
        let (output, counters) = Self.scrub([Self.line(request: "/files/\(blob)/view")])
        #expect(output == [Self.line(request: "/files/[Filtered]/view")])
        #expect(counters.scrubbed["detector:long_value"] == 1)
        // Under 1 KiB it is a plain path.
        let short = String(repeating: "abcdefgh", count: 100)
        #expect(
            Self.scrub([Self.line(request: "/files/\(short)/view")]).output == [
                Self.line(request: "/files/\(short)/view")
            ]
        )
    }

    @Test func anAgentIsScannedButAVersionThatNamesNoHostStays() {
        // Fail closed: a four-part version is indistinguishable from an address; `N.0.0.0` (Chrome's reduced
        // version) names no host and stays.
        let (output, counters) = Self.scrub([
            Self.line(agent: "SomeBot/1.2.3.4"), Self.line(agent: "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36"),
        ])
        #expect(
            output == [
                Self.line(agent: "SomeBot/1.2.3.0"), Self.line(agent: "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36"),
            ]
        )
        #expect(counters.scannerAddresses == 1)
    }

    @Test func allowlistKeepsOnlyListedNamesAndTheMarkerIsConfigurable() {
        var settings = ScrubSettings()
        settings.mode = .allowlist
        settings.marker = "X"
        let url = "/p?utm_source=news&utm_medium=mail&ref=nav&foo=bar&page=2&Source=a"
        let (output, counters) = Self.scrub([Self.line(request: url)], settings: settings)
        #expect(output == [Self.line(request: "/p?utm_source=news&utm_medium=mail&ref=nav&foo=X&page=2&Source=a")])
        #expect(counters.scrubbed["param:(not allowed)"] == 1)
        // Detectors still run on allowed values.
        let (withEmail, _) = Self.scrub([Self.line(request: "/p?ref=zoe%40example.com")], settings: settings)
        #expect(withEmail == [Self.line(request: "/p?ref=X")])
    }

    @Test func extraDeniedNames() {
        var settings = ScrubSettings()
        settings.denyNames += ["customer-id"]
        let (output, counters) = Self.scrub([Self.line(request: "/p?Customer_ID=C-1234&id=7")], settings: settings)
        #expect(output == [Self.line(request: "/p?Customer_ID=[Filtered]&id=7")])
        #expect(counters.scrubbed["param:customer_id"] == 1)
    }

    @Test func remoteUserKeepHashOrDrop() throws {
        var settings = ScrubSettings()
        let input = [
            Self.line(user: "frank"), Self.line(user: "frank"), Self.line(user: "grace"), Self.line(user: "-"),
        ]
        #expect(Self.scrub(input, settings: settings).output == input)
        settings.remoteUser = .drop
        let dropped = Self.scrub(input, settings: settings)
        #expect(dropped.output == Array(repeating: Self.line(user: "-"), count: 4))
        #expect(dropped.counters.scrubbed["field:remote_user"] == 3)
        settings.remoteUser = .hash
        let hashed = Self.scrub(input, settings: settings, method: .hmac, key: testKey).output
        let users = hashed.map { $0.split(separator: " ")[2] }
        #expect(users[0] == users[1])
        #expect(users[0] != users[2])
        #expect(users[3] == "-")
        #expect(users[0].hasPrefix("u-") && users[0].count == 18)
        #expect(!hashed.joined().contains("frank") && !hashed.joined().contains("grace"))
        // Another key (window) gives another token.
        let other = PseudonymKey(hex: String(repeating: "ab", count: 32))!
        let rehashed = Self.scrub(input, settings: settings, method: .hmac, key: other).output
        #expect(rehashed[0].split(separator: " ")[2] != users[0])
    }

    @Test(arguments: [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome/120 (Windows)"
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:130.0) Gecko/20100101 Firefox/130.0", "Firefox/130 (macOS)"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
            "Safari/18 (iOS)"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Edge/120 (Windows)"
        ),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Bot"),
        ("curl/8.5.0", "curl/8.5.0"),
        ("-", "-"),
    ])
    func userAgentFamily(_ agent: String, _ family: String) {
        var settings = ScrubSettings()
        settings.userAgent = .family
        let (output, _) = Self.scrub([Self.line(agent: agent), Self.line(agent: agent)], settings: settings)
        #expect(output == [Self.line(agent: family), Self.line(agent: family)])
    }

    @Test func jsonLinesAreScrubbedTooEvenWithEscapedAmpersands() {
        let input = [
            #"{"remote_addr":"192.0.2.0","request":"GET /r?email=amy%40example.com&x=1 HTTP/1.1","status":200,"#
                + #""http_referer":"https://e.example/?q=a\u0026password=hunter2","http_user_agent":"curl/8.5.0"}"#,
            #"{"remote_addr":"192.0.2.0","request":"GET /plain HTTP/1.1","http_referer":"https:\/\/e.example\/"}"#,
        ]
        let (output, counters) = Self.scrub(input, format: .json(JSONLineFormat()))
        #expect(output[0].contains(#""request":"GET /r?email=[Filtered]&x=1 HTTP/1.1""#))
        #expect(output[0].contains(#""http_referer":"https://e.example/?q=a&password=[Filtered]""#))
        #expect(!output[0].contains("hunter2") && !output[0].contains("amy"))
        #expect(output[1] == input[1])
        #expect(counters.scrubbed["param:password"] == 1)
    }

    @Test func aLineThatDoesNotParseIsScrubbedOfURLsToo() {
        let line =
            #"198.51.100.23 - - [27/Nov/2026:10:00:00 +0000] "GET /r?email=ann%40example.com&x=1 HTTP/1.1" 200 5 "#
            + #""https://a.example/?token=abc" "curl/8.5.0" "extra field""#
        let (output, counters) = Self.scrub([line])
        #expect(counters.unparsable == 1)
        #expect(
            output == [
                #"198.51.100.0 - - [27/Nov/2026:10:00:00 +0000] "GET /r?email=[Filtered]&x=1 HTTP/1.1" 200 5 "#
                    + #""https://a.example/?token=[Filtered]" "curl/8.5.0" "extra field""#
            ]
        )
    }

    @Test func formatsWithRequestURIAndQueryVariables() throws {
        let format = try LogFormat(nginx: #"$remote_addr [$time_local] "$request_uri" "$args" $status"#)
        let input = [#"192.0.2.0 [27/Nov/2026:10:00:00 +0000] "/a?token=t0k3n&b=2" "name=Ada&page=2" 200"#]
        let (output, _) = Self.scrub(input, format: .text(format))
        #expect(
            output == [
                #"192.0.2.0 [27/Nov/2026:10:00:00 +0000] "/a?token=[Filtered]&b=2" "name=[Filtered]&page=2" 200"#
            ]
        )
    }
}
