import LogonymCore
import Testing

/// An address the line processor has seen lately is written from its cache of pseudonym texts: the lines and the
/// counters must be those of a processor that sees each address for the first time.
struct PseudonymTextCacheTests {
    static let clients = [
        "203.0.113.7", "203.0.113.7:8080", "[2001:db8::1]:443", "2001:db8::1", "2001:DB8:0:0:0:0:0:1",
        "::ffff:203.0.113.7", "fe80::1%eth0", "198.51.100.23", "unknown", "-", "not-an-address",
    ]

    static func line(_ client: String, forwardedFor: String) -> String {
        "\(client) - - [27/Nov/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 5 \"-\" \"x\" \"\(forwardedFor)\""
    }

    static let format = InputFormat.text(
        try! LogFormat(
            nginx: #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "#
                + #""$http_referer" "$http_user_agent" "$http_x_forwarded_for""#
        )
    )

    /// The lines through one processor, and each line through a processor of its own.
    static func compare(_ lines: [String], method: AnonymizationMethod) -> (one: String, fresh: String, same: Bool) {
        let key: PseudonymKey? = method.needsKey ? testKey : nil
        let one = process(lines, format: format, method: method, key: key)
        var fresh = ""
        var counters = RunCounters()
        for line in lines {
            let alone = process([line], format: format, method: method, key: key)
            fresh += alone.output
            counters.add(alone.counters)
        }
        return (one.output, fresh, one.counters == counters)
    }

    @Test(arguments: AnonymizationMethod.allCases)
    func anAddressSeenAgainIsWrittenAndCountedAsTheFirstTime(method: AnonymizationMethod) {
        var lines: [String] = []
        for round in 0..<3 {
            for (k, client) in Self.clients.enumerated() {
                let list =
                    Self.clients[(k + round) % Self.clients.count] + ", " + Self.clients[(k + 3) % Self.clients.count]
                lines.append(Self.line(client, forwardedFor: list))
            }
        }
        let (one, fresh, sameCounters) = Self.compare(lines, method: method)
        #expect(one == fresh)
        #expect(sameCounters)
        #expect(!one.contains("203.0.113.7") && !one.contains("198.51.100.23"))
    }

    /// More addresses than the cache has slots: texts that take each other's slot are never confused.
    @Test func manyAddressesSharingSlotsAreNeverConfused() {
        var lines: [String] = []
        for round in 0..<2 {
            for k in 0..<1500 {
                let v4 = "10.\(k % 7).\(k / 256).\(k % 256)"
                let v6 = "2001:db8:\(String(k, radix: 16))::\(String(k * 7 + round, radix: 16))"
                lines.append(Self.line(k % 3 == 0 ? v6 : v4, forwardedFor: v4))
            }
        }
        let (one, fresh, sameCounters) = Self.compare(lines, method: .cryptopan)
        #expect(one == fresh)
        #expect(sameCounters)
    }
}
