import Foundation
import LogonymCore
import Testing

/// Logs shaped from each server's own documentation (`Tests/Fixtures/servers`, with the sources in its README),
/// with client addresses planted wherever that server writes one: none may survive, under any method, in either
/// output format, and every line is written.
struct ServerFormatTests {
    struct Corpus: Sendable, CustomTestStringConvertible {
        var name: String
        /// The format auto-detection must find (`nil`: the corpus has a `.format` file).
        var detected: String?

        var testDescription: String { name }
    }

    static let corpora = [
        Corpus(name: "caddy", detected: "caddy"), Corpus(name: "traefik", detected: "traefik"),
        Corpus(name: "traefik-clf", detected: "traefik-clf"), Corpus(name: "nginx-json", detected: "json"),
        Corpus(name: "haproxy", detected: "haproxy"), Corpus(name: "iis", detected: "w3c"),
        Corpus(name: "iis-xff", detected: "w3c"), Corpus(name: "nginx-custom", detected: nil),
        Corpus(name: "apache-custom", detected: nil),
    ]

    static func lines(_ name: String, _ suffix: String) throws -> [String] {
        try String(contentsOfFile: Fixtures.path("servers/\(name).\(suffix)"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The corpus's format: from its `.format` file, else detected from its lines.
    static func format(_ corpus: Corpus, _ lines: [String]) throws -> InputFormat {
        if corpus.detected == nil {
            let text = try Self.lines(corpus.name, "format")[0]
            let nginx = text.contains("$") ? text : try LogFormat.nginxSyntax(fromApache: text)
            return .text(try LogFormat(nginx: nginx))
        }
        let sample = Array(lines.joined(separator: "\n").utf8)
        return sample.withUnsafeBufferPointer {
            FormatDetector.detect($0, from: 0, to: $0.count, json: JSONLineFormat()).format
        }
    }

    @Test(arguments: corpora, [AnonymizationMethod.truncate, .hmac, .cryptopan])
    func noPlantedAddressSurvivesAndEveryLineIsWritten(_ corpus: Corpus, _ method: AnonymizationMethod) throws {
        let lines = try Self.lines(corpus.name, "log")
        let planted = try Self.lines(corpus.name, "addresses")
        let format = try Self.format(corpus, lines)
        if let detected = corpus.detected { #expect(format.name == detected) }
        for outputFormat in [OutputFormat.same, .json] {
            let (output, counters) = process(
                lines,
                format: format,
                method: method,
                key: method.needsKey ? testKey : nil,
                outputFormat: outputFormat
            )
            #expect(counters.linesWritten == lines.count && counters.linesRead == lines.count)
            #expect(output.split(separator: "\n", omittingEmptySubsequences: false).count == lines.count + 1)
            if outputFormat == .same { #expect(counters.unparsable == 0) }
            for address in planted {
                #expect(!output.contains(address), "\(corpus.name) \(method) \(outputFormat): \(address) survived")
            }
            // Same-format output replaces every planted literal at least once, and the counts say so.
            if outputFormat == .same {
                #expect(counters.ipv4Addresses + counters.ipv6Addresses >= planted.count)
            }
            // The output verifier, which trusts none of this, finds nothing either.
            if let verifier = OutputVerifier(method: method, prefixes: .ga) {
                for (number, line) in output.split(separator: "\n").enumerated() {
                    let bytes = Array(line.utf8)
                    let findings = bytes.withUnsafeBufferPointer { verifier.findings(in: $0, from: 0, to: $0.count) }
                    #expect(findings == 0, "\(corpus.name) \(method) \(outputFormat) line \(number + 1): \(line)")
                }
            }
        }
        // Under `--on-unparsable drop` every line is written or counted as dropped.
        let (_, dropped) = process(
            lines,
            format: format,
            method: method,
            key: method.needsKey ? testKey : nil,
            policy: .drop
        )
        #expect(dropped.linesWritten + dropped.linesDropped == lines.count)
    }

    @Test(arguments: ["1e300", "1e19", "9.2e18", "1e15", "-1e300", "12abc"])
    func anEpochTimeOutOfRangeIsNoTime(_ ts: String) {
        for outputFormat in [OutputFormat.same, .json] {
            let (output, counters) = process(
                [#"{"ts":\#(ts),"remote_addr":"81.2.69.160"}"#],
                format: .json(JSONLineFormat()),
                outputFormat: outputFormat
            )
            #expect(counters.linesWritten == 1 && !output.contains("81.2.69.160"))
        }
        let processor = LineProcessor(format: .json(JSONLineFormat()), windows: CountingWindows())
        var out: [UInt8] = []
        let bytes = Array(#"{"ts":\#(ts),"remote_addr":"81.2.69.160"}"#.utf8)
        bytes.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
        #expect(processor.lastLineTime == nil && out.count > 0)
    }

    @Test func jsonOutputOfEveryJSONCorpusIsJSON() throws {
        for name in ["caddy", "traefik", "nginx-json"] {
            let lines = try Self.lines(name, "log")
            let format = try Self.format(Corpus(name: name, detected: "json"), lines)
            for outputFormat in [OutputFormat.same, .json] {
                let (output, _) = process(
                    lines,
                    format: format,
                    method: .hmac,
                    key: testKey,
                    outputFormat: outputFormat
                )
                for line in output.split(separator: "\n") {
                    #expect(
                        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil,
                        "\(name) \(outputFormat): \(line.prefix(80))"
                    )
                }
            }
        }
    }

    @Test func eachServersTimeIsReadForWindows() throws {
        let windows = CountingWindows()
        // Every line of every corpus is from 2026-11-27 (UTC).
        for corpus in Self.corpora where corpus.detected != nil {
            let lines = try Self.lines(corpus.name, "log")
            let format = try Self.format(corpus, lines)
            let processor = LineProcessor(format: format, windows: windows)
            var out: [UInt8] = []
            for line in lines {
                let bytes = Array(line.utf8)
                bytes.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
                if line.hasPrefix("#") { continue }
                let time = try #require(processor.lastLineTime, "\(corpus.name): \(line.prefix(60))")
                #expect((1_795_766_400..<1_795_852_800).contains(time), "\(corpus.name): \(time)")
            }
        }
    }

    // MARK: Vocabularies

    @Test(arguments: [
        ("X-Forwarded-For", AddressVocabulary.Role.list), ("http_x_forwarded_for", .list),
        ("request_X-Real-Ip", .list), ("Cf-Connecting-Ip", .list), ("HTTP_TRUE_CLIENT_IP", .list),
        ("x-client-ip", .list), ("X-Cluster-Client-IP", .list), ("Fastly-Client-IP", .list),
        ("proxy_protocol_addr", .list), ("realip_remote_addr", .list), ("remote_addr", .client),
        ("client_ip", .client), ("remote_ip", .client), ("ClientAddr", .client), ("ClientHost", .client),
        ("Forwarded", .forwarded), ("http_forwarded", .forwarded), ("request_Forwarded", .forwarded),
    ])
    func namesAreKnownWhateverTheirSpelling(_ name: String, _ role: AddressVocabulary.Role) {
        #expect(AddressVocabulary.role(of: name) == role)
    }

    @Test(arguments: ["request_time", "status", "x_request_id", "forwarded_proto", "user_agent", "host"])
    func otherNamesAreNotAddresses(_ name: String) {
        #expect(AddressVocabulary.role(of: name) == nil)
    }

    @Test func apacheHeadersAreAddressesAsTheyAreUnderNginxSyntax() throws {
        let nginx = try LogFormat.nginxSyntax(
            fromApache: #"%h %{c}a %{CF-Connecting-IP}i %{True-Client-IP}i "%{Forwarded}i" %{X-Custom}i %D"#
        )
        #expect(
            nginx
                == #"$remote_addr $realip_remote_addr $http_cf_connecting_ip $http_true_client_ip "$http_forwarded" $http_x_custom $request_time_us"#
        )
        let format = try LogFormat(nginx: nginx)
        #expect(format.indices(of: .forwardedFor) == [1, 2, 3])
        #expect(format.indices(of: .forwardedHeader) == [4])
        #expect(format.indices(of: .opaque) == [5])
        #expect(format.indices(of: .number) == [6])
    }

    // MARK: Fields logonym does not know

    @Test func unknownVariablesAreScannedAndAddressFreeOnesValidated() throws {
        let format = InputFormat.text(
            try LogFormat(nginx: #"$remote_addr "$http_x_custom" $upstream_addr $request_time $request_method"#)
        )
        let (output, counters) = process(
            [
                #"81.2.69.160 "seen 89.160.20.112 and 2a02:cf40::17" 10.0.0.7:8080 0.012 GET"#,
                // An address where a duration stands: the line does not match, and the fallback scanner takes it.
                #"81.2.69.160 "x" 10.0.0.7:8080 81.2.69.161 GET"#,
            ],
            format: format
        )
        #expect(
            output == """
                81.2.69.0 "seen 89.160.20.0 and 2a02:cf40::" 10.0.0.0:8080 0.012 GET
                81.2.69.0 "x" 10.0.0.0:8080 81.2.69.0 GET

                """
        )
        #expect(counters.unparsable == 1 && counters.scannerAddresses == 6)
    }

    @Test func jsonValuesAndKeysOfUnknownNamesAreScannedAtAnyDepth() {
        let line =
            #"{"remote_addr":"81.2.69.160","a":{"b":[{"note":"from 89.160.20.112"},"2a02:cf40::17"]},"81.2.69.9":1,"esc":"81\u002e2\u002e69\u002e7","n":81.2}"#
        let (output, counters) = process([line], format: .json(JSONLineFormat()))
        #expect(
            output
                == #"{"remote_addr":"81.2.69.0","a":{"b":[{"note":"from 89.160.20.0"},"2a02:cf40::"]},"81.2.69.0":1,"esc":"81.2.69.0","n":81.2}"#
                + "\n"
        )
        #expect(counters.scannerAddresses == 4)
    }

    @Test func rfc7239NodesArePseudonymizedAndObfuscatedOnesKept() throws {
        let format = InputFormat.text(try LogFormat(nginx: #"$remote_addr "$http_forwarded""#))
        let (output, counters) = process(
            [
                #"81.2.69.160 "for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\", for=_hidden, for=unknown, For=81.2.69.3:80;host=81.2.69.4, for=example.com""#
            ],
            format: format
        )
        #expect(
            output
                == #"81.2.69.0 "for=192.0.2.0;proto=http;by=203.0.113.0, for=\"[2001:db8:cafe::]:4711\", for=_hidden, for=unknown, For=81.2.69.0:80;host=81.2.69.0, for=-""#
                + "\n"
        )
        #expect(counters.nonAddressValues == 1)
    }

    // MARK: The scanner's edges (issue 12)

    @Test(arguments: [
        ("x 81.2.69.24:: y", "x 81.2.69.0:: y"),
        ("/a?ip=81%2E2%2E69%2E7", "/a?ip=81.2.69.0"),
        ("/a?ip=81%252E2%252E69%252E7", "/a?ip=81.2.69.0"),
        ("/a?ip=81.2.69.7%00", "/a?ip=81.2.69.0%00"),
        ("http://81.2.69.3:8080/", "http://81.2.69.0:8080/"),
        ("GET http://81.2.69.4/ HTTP/1.1", "GET http://81.2.69.0/ HTTP/1.1"),
        ("/host-81.2.69.2/ip:81.2.69.6", "/host-81.2.69.0/ip:81.2.69.0"),
        (#"for=\x2281.2.69.7\x22"#, #"for=\x2281.2.69.0\x22"#),
        ("Chrome/120.0.0.0 and std::string", "Chrome/120.0.0.0 and std::string"),
        ("81.2.69.24:2a02:cf40::17", "81.2.69.0:2a02:cf40::"),
        ("x :::1 y", "x ::: y"),
    ])
    func scannerEdges(_ text: String, _ expected: String) {
        // As an unparsable line, and inside a request, a referrer and an unknown field of a parsed line.
        #expect(process([text], format: .text(.combined)).output == expected + "\n")
        let format = InputFormat.text(.nginxMain)
        let line = #"192.0.2.1 - - [27/Nov/2026:10:00:00 +0000] "GET /x?u=\#(text) HTTP/1.1" 200 1 "\#(text)" "a" "-""#
        let want =
            #"192.0.2.0 - - [27/Nov/2026:10:00:00 +0000] "GET /x?u=\#(expected) HTTP/1.1" 200 1 "\#(expected)" "a" "-""#
        for scrub in [false, true] {
            let processor = LineProcessor(format: format, anonymizer: Anonymizer(method: .truncate))
            if scrub { processor.setScrubber(Scrubber(settings: ScrubSettings())) }
            var out: [UInt8] = []
            let bytes = Array(line.utf8)
            bytes.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
            let written = String(decoding: out, as: UTF8.self)
            if scrub {
                // The scrub stage may take the value first ([Filtered]); either way the address is gone.
                #expect(!written.contains("81.2.69.") || written.contains("81.2.69.0"), "\(written)")
                #expect(!written.contains("81.2.69.7") && !written.contains("81.2.69.24"))
            } else {
                #expect(written == want + "\n")
            }
        }
    }

    @Test func bytesCleanAfterScrubbingAreNotCleanInAFieldThatIsNotScrubbed() {
        // The referrer's address goes to the scrub stage's IP detector; the same bytes as a user agent must still
        // be scanned (a cache of clean values must not learn them from the scrubbed referrer).
        let value = "/away?ip=81.2.69.7&n=1"
        let line = #"192.0.2.1 - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "\#(value)" "\#(value)""#
        let processor = LineProcessor(format: .text(.combined), anonymizer: Anonymizer(method: .truncate))
        processor.setScrubber(Scrubber(settings: ScrubSettings()))
        var out: [UInt8] = []
        let bytes = Array(line.utf8)
        for _ in 0..<3 { bytes.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) } }
        let written = String(decoding: out, as: UTF8.self)
        #expect(!written.contains("81.2.69.7"), "\(written)")
        #expect(written.split(separator: "\n").count == 3)
    }

    @Test(arguments: [
        ("81.%32.69.%37", true), ("81%2E2%2E69%2E7", true), ("a%5Cx2E", true), ("%2081.2.69.7", true),
        ("ffff:ffff::1", true), ("[::1]:80", true), ("x \\x2281.2.69.7", true), ("1.2.3.4", true),
        ("/login?next=%2Faccount%2Fsettings", false), ("https://example.com:8443/a?b=c", false),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0", false), ("10:00", false),
    ])
    func theScreenPassesOnlyWhatCannotHoldAnAddress(_ text: String, _ suspect: Bool) {
        // Padded so that both the 16-byte path and the byte-at-a-time tail are taken.
        for padding in [0, 40] {
            let bytes = Array(text.utf8) + Array(repeating: UInt8(ascii: " "), count: padding)
            let verdict = bytes.withUnsafeBufferPointer {
                AddressScreen.mayHoldAddress($0.baseAddress!, 0, text.utf8.count, limit: $0.count)
            }
            #expect(verdict == suspect, "\(text) padding \(padding)")
        }
    }

    // MARK: Crypto-PAn's fixed points

    /// An IPv4 address that `cryptopan` maps onto itself under `key`, if there is one: Crypto-PAn flips bit i by a
    /// function of the bits before it, so the unchanged addresses are found by walking down the prefixes whose next
    /// bit is not flipped (an address of zeros past the prefix shows whether it is).
    static func fixedPoint(_ anonymizer: Anonymizer) -> IPAddress? {
        func search(_ prefix: UInt32, _ length: Int) -> UInt32? {
            if length == 32 { return prefix }
            guard case .v4(let out) = anonymizer.pseudonym(for: .v4(prefix)), out >> (31 - length) & 1 == 0 else {
                return nil
            }
            return search(prefix | 1 << (31 - length), length + 1) ?? search(prefix, length + 1)
        }
        return search(0, 0).map { .v4($0) }
    }

    @Test func addressesCryptoPAnLeavesUnchangedAreCounted() throws {
        var found: (PseudonymKey, IPAddress)?
        for seed in 0..<512 where found == nil {
            let key = PseudonymKey(
                bytes: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ seed >> 8) }
            )!
            if let address = Self.fixedPoint(Anonymizer(method: .cryptopan, key: key)) { found = (key, address) }
        }
        let (key, address) = try #require(found, "no key of 512 has a fixed point")
        #expect(Anonymizer(method: .cryptopan, key: key).pseudonym(for: address) == address)
        let lines = [
            #"\#(address) - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a""#,
            #"81.2.69.160 - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a""#,
        ]
        let (output, counters) = process(lines, format: .text(.combined), method: .cryptopan, key: key)
        #expect(output.hasPrefix("\(address) "))
        #expect(counters.cryptopanUnchanged == 1 && counters.ipv4Addresses == 2)
        #expect(process(lines, format: .text(.combined), method: .hmac, key: key).counters.cryptopanUnchanged == 0)
    }
}

/// Windows of one hour under one key, for tests that read each line's time.
final class CountingWindows: WindowAnonymizers, @unchecked Sendable {
    let window = WindowLength.hour
    let generation = 0
    private let anonymizer = Anonymizer(method: .truncate)

    func anonymizer(forWindowStarting start: Int64) -> Anonymizer? { anonymizer }
    func currentWindowStart() -> Int64 { 1_795_766_400 }
}
