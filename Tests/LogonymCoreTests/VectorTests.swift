import LogonymCore
import Testing

/// The normative vectors: every row of every file.
struct VectorTests {
    @Test func truncationReproducesEveryVector() throws {
        let rows = try Fixtures.tsv("truncation-vectors.tsv")
        #expect(rows.count == 90)
        for row in rows {
            let input = try #require(IPAddress(row[0]))
            let bits = try #require(Int(row[1]))
            let prefixes =
                input.bitWidth == 32
                ? TruncationPrefixes(ipv4: bits, ipv6: 48) : TruncationPrefixes(ipv4: 24, ipv6: bits)
            let result = Truncation.apply(input.canonical, prefixes: prefixes)
            #expect(result == IPAddress(row[2]), "\(row[0])/\(bits)")
            #expect(result.description == row[2], "\(row[0])/\(bits) is written in RFC 5952 form")
        }
    }

    @Test func hmacReproducesEveryVectorAndItsFullTag() throws {
        let rows = try Fixtures.tsv("hmac-ip-vectors.tsv")
        #expect(rows.count == 14)
        for row in rows {
            let key = try #require(PseudonymKey(hex: row[0]))
            var text = Substring(row[1])
            if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
            let input = try #require(IPAddress(text)).canonical
            let hmac = HMACPseudonym(key: key)
            let tag = hmac.tag(for: input).map { String($0, radix: 16).leftPadded(2) }.joined()
            #expect(tag == row[3], "full HMAC for \(row[1])")
            #expect(hmac.pseudonym(for: input).description == row[2], "pseudonym of \(row[1])")
        }
    }

    @Test func cryptoPAnReproducesEveryVector() throws {
        let rows = try Fixtures.tsv("cryptopan-vectors.tsv")
        #expect(rows.count == 144)
        var cache: [String: CryptoPAn] = [:]
        for row in rows {
            let key = try #require(PseudonymKey(hex: row[0]))
            let cipher = cache[row[0]] ?? CryptoPAn(key: key)
            cache[row[0]] = cipher
            let input = try #require(IPAddress(row[1]))
            #expect(cipher.pseudonym(for: input) == IPAddress(row[2]), "\(row[1]) under \(row[0].prefix(8))…")
        }
    }

    @Test func cryptoPAnOfAnIPv4AddressMatchesTheTopOfItsShiftedIPv6Form() throws {
        let cipher = CryptoPAn(key: testKey)
        for text in ["128.11.68.132", "192.0.2.1", "10.0.0.1"] {
            guard case .v4(let value) = try #require(IPAddress(text)),
                case .v4(let v4Result) = cipher.pseudonym(for: .v4(value)),
                case .v6(let hi, _) = cipher.pseudonym(for: .v6(UInt64(value) << 32, 0))
            else {
                Issue.record("unexpected family")
                continue
            }
            #expect(UInt32(truncatingIfNeeded: hi >> 32) == v4Result)
        }
    }

    @Test func cryptoPAnPreservesSharedPrefixesExactly() throws {
        let cipher = CryptoPAn(key: testKey)
        let pairs = [
            ("192.0.2.1", "192.0.2.200", 24), ("10.1.0.0", "10.1.128.0", 16), ("2001:db8::1", "2001:db8::2", 126),
        ]
        for (a, b, shared) in pairs {
            let x = cipher.pseudonym(for: try #require(IPAddress(a))).bytes
            let y = cipher.pseudonym(for: try #require(IPAddress(b))).bytes
            #expect(commonPrefixBits(x, y) == shared, "\(a) and \(b)")
        }
    }

    private func commonPrefixBits(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for i in 0..<(a.count * 8) where (a[i / 8] >> (7 - UInt8(i % 8))) & 1 != (b[i / 8] >> (7 - UInt8(i % 8))) & 1 {
            return i
        }
        return a.count * 8
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
