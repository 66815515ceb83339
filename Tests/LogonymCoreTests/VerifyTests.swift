import LogonymCore
import Testing

/// The findings the verifier reports in one line under a rule.
private func findings(_ line: String, _ rule: OutputVerifier.Rule) -> Int {
    let verifier = OutputVerifier(rule: rule)
    let bytes = Array(line.utf8)
    return bytes.withUnsafeBufferPointer { verifier.findings(in: $0, from: 0, to: $0.count) }
}

struct VerifyTests {
    @Test(arguments: [
        ("81.2.69.0 - - [10/Oct/2026:13:55:36 +0200] \"GET / HTTP/1.1\" 200 1", 0),
        ("81.2.69.7 - - [10/Oct/2026:13:55:36 +0200] \"GET / HTTP/1.1\" 200 1", 1),
        ("client 2a02:cf40:1:: here", 0),
        ("client 2a02:cf40:1:2::5 here", 1),
        ("[2a02:cf40:1:2::5]:443", 1),
        ("mapped ::ffff:81.2.69.0 end", 0),
        ("mapped ::ffff:81.2.69.7 end", 1),
        ("6to4 2002:5102:4500:: end", 0),
        ("6to4 2002:5102:4507:: end", 1),
        ("nat64 64:ff9b:: end", 0),
        ("nat64 64:ff9b::5102:4507 end", 1),
        ("\"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\"", 0),
        ("GET /?ip=81%2E2%2E69%2E7 HTTP/1.1", 1),
        ("GET /?ip=81%252E2%252E69%252E7 HTTP/1.1", 1),
        ("GET /?ip=2a02%3Acf40%3A1%3A2%3A%3A5 HTTP/1.1", 1),
        ("GET /?ip=81%2E2%2E69%2E0 HTTP/1.1", 0),
        ("host-81.2.69.2.example", 1),
        ("no address 13:55:36 or 1.2.3 or 2026-10-10 or x-0123456789abcdef", 0),
    ])
    func truncateFindsAddressesWithHostBitsSet(_ line: String, _ expected: Int) {
        #expect(findings(line, .truncate(.ga)) == expected, "\(line)")
    }

    @Test(arguments: [
        ("241.2.3.4 - - \"GET / HTTP/1.1\" 200 1", 0),
        ("247.255.255.255 and 240.0.0.1", 0),
        ("81.2.69.7 - - \"GET / HTTP/1.1\" 200 1", 1),
        ("81.2.69.0 is not a pseudonym either", 1),
        ("248.0.0.1 is past 240.0.0.0/5", 1),
        ("client 2001:db8:1::5 ok", 0),
        ("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:443", 0),
        ("client 2a02:cf40:1:: not a pseudonym", 1),
        ("mapped ::ffff:241.2.3.4", 0),
        ("\"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36\"", 0),
        ("GET /?ip=81%2E2%2E69%2E7 HTTP/1.1", 1),
        ("host-81.2.69.2", 1),
    ])
    func hmacFindsAddressesOutsideThePseudonymRanges(_ line: String, _ expected: Int) {
        #expect(findings(line, .hmac) == expected, "\(line)")
    }

    @Test func anAddressCountsOncePerLineWhetherRawEncodedOrMapped() {
        let line = "81.2.69.7 GET /?a=81.2.69.7&b=81%2E2%2E69%2E7&c=::ffff:81.2.69.7&d=81.2.69.9"
        #expect(findings(line, .truncate(.ga)) == 2)
        #expect(findings(line, .hmac) == 2)
    }

    @Test func noHostAddressesAreNeverFindings() throws {
        #expect(try #require(IPAddress("120.0.0.0")).identifiesNoHost)
        #expect(try #require(IPAddress("::ffff:120.0.0.0")).identifiesNoHost)
        #expect(try #require(IPAddress("0.0.0.0")).identifiesNoHost)
        #expect(try !#require(IPAddress("81.2.69.0")).identifiesNoHost)
        #expect(try !#require(IPAddress("120.0.0.1")).identifiesNoHost)
        #expect(try !#require(IPAddress("2001:db8::")).identifiesNoHost)
        let strict = OutputVerifier(rule: .truncate(TruncationPrefixes(ipv4: 0, ipv6: 0)))
        #expect(!strict.isFinding(try #require(IPAddress("120.0.0.0"))), "even a /0 prefix leaves N.0.0.0 alone")
        #expect(strict.isFinding(try #require(IPAddress("120.1.0.0"))))
    }

    @Test func prefixesAndPresetsDecide() {
        #expect(findings("81.2.0.0", .truncate(.strict)) == 0)
        #expect(findings("81.2.69.0", .truncate(.strict)) == 1)
        #expect(findings("81.2.64.0", .truncate(.anonip)) == 0)
        #expect(findings("81.2.69.0", .truncate(.anonip)) == 1)
        #expect(findings("2a02:cf40:1::", .truncate(.strict)) == 1)
        #expect(findings("2a02:cf40::", .truncate(.strict)) == 0)
        let wideIPv6 = OutputVerifier.Rule.truncate(TruncationPrefixes(ipv4: 24, ipv6: 128))
        #expect(findings("64:ff9b::5102:4500", wideIPv6) == 0, "NAT64: the embedded IPv4 address is truncated")
        #expect(findings("64:ff9b::5102:4507", wideIPv6) == 1)
        #expect(findings("2002:5102:4500::1", wideIPv6) == 0, "6to4 likewise")
        #expect(findings("2002:5102:4507::1", wideIPv6) == 1)
    }

    @Test func cryptopanOutputCannotBeVerified() {
        #expect(OutputVerifier(method: .cryptopan, prefixes: .ga) == nil)
        #expect(OutputVerifier(method: .truncate, prefixes: .strict)?.rule == .truncate(.strict))
        #expect(OutputVerifier(method: .hmac, prefixes: .ga)?.rule == .hmac)
    }

    @Test func lineNumbersOfFindingsAreTheLinesThatHoldThem() {
        let lines = [
            "81.2.69.0 GET /", "81.2.69.7 GET /", "Chrome/120.0.0.0", "GET /?x=2a02%3Acf40%3A1%3A2%3A%3A5",
            "2a02:cf40:1:: GET /", "from host-81.2.69.2",
        ]
        let verifier = OutputVerifier(rule: .truncate(.ga))
        var found: [Int] = []
        for (index, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            let count = bytes.withUnsafeBufferPointer { verifier.findings(in: $0, from: 0, to: $0.count) }
            if count > 0 { found.append(index + 1) }
        }
        #expect(found == [2, 4, 6])
    }

    @Test func findingsAreCountedInTheGivenRangeOnly() {
        let bytes = Array("81.2.69.7 | 81.2.69.0 | 81.2.69.9".utf8)
        let verifier = OutputVerifier(rule: .truncate(.ga))
        #expect(bytes.withUnsafeBufferPointer { verifier.findings(in: $0, from: 12, to: 21) } == 0)
        #expect(bytes.withUnsafeBufferPointer { verifier.findings(in: $0, from: 12, to: $0.count) } == 1)
    }

    @Test func longLinesAreCutOutsideEncodedAddresses() {
        let text = Array("aaaa ?ip=81%2E2%2E69%2E7".utf8)
        #expect(text.withUnsafeBufferPointer { FallbackScanner.safeCut($0, from: 0, to: $0.count) } == 9)
        let run = Array("81%2E2%2E69%2E7".utf8)
        #expect(run.withUnsafeBufferPointer { FallbackScanner.safeCut($0, from: 0, to: $0.count) } == 0)
    }
}
