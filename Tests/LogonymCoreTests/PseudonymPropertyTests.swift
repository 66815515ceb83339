import LogonymCore
import Testing

struct PseudonymPropertyTests {
    static let samples = ["192.0.2.1", "198.51.100.7", "10.0.0.1", "2001:db8::1", "2a02:810::5", "::1", "fe80::1"]

    @Test(arguments: [AnonymizationMethod.hmac, .cryptopan])
    func sameAddressAndKeyGiveTheSamePseudonymAndDifferentKeysDifferentOnes(_ method: AnonymizationMethod) throws {
        let first = Anonymizer(method: method, key: testKey)
        let again = Anonymizer(method: method, key: testKey)
        let other = Anonymizer(method: method, key: otherKey)
        for text in Self.samples {
            let address = try #require(IPAddress(text))
            #expect(first.pseudonym(for: address) == again.pseudonym(for: address))
            #expect(first.pseudonym(for: address) == first.pseudonym(for: address), "cached answer is stable")
            #expect(first.pseudonym(for: address) != other.pseudonym(for: address))
        }
    }

    @Test(arguments: [AnonymizationMethod.hmac, .cryptopan, .truncate])
    func everyPseudonymParsesAsAnAddressOfTheInputsFamily(_ method: AnonymizationMethod) throws {
        let anonymizer = Anonymizer(method: method, key: method.needsKey ? testKey : nil)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let input: IPAddress =
                Bool.random() ? .v4(generator.next()) : .v6(generator.next(), generator.next())
            let output = anonymizer.pseudonym(for: input)
            #expect(output.bitWidth == input.canonical.bitWidth)
            #expect(IPAddress(output.description) == output)
        }
    }

    @Test func hmacPseudonymsStayInsideTheirReservedRanges() throws {
        let anonymizer = Anonymizer(method: .hmac, key: testKey)
        for text in Self.samples {
            switch anonymizer.pseudonym(for: try #require(IPAddress(text))) {
            case .v4(let value): #expect(value >> 27 == 0b11110, "240.0.0.0/5")
            case .v6(let hi, _): #expect(hi >> 32 == 0x2001_0DB8, "2001:db8::/32")
            }
        }
    }

    @Test func mappedInputsGetTheIPv4PseudonymUnderEveryMethod() throws {
        for method in AnonymizationMethod.allCases {
            let anonymizer = Anonymizer(method: method, key: method.needsKey ? testKey : nil)
            let mapped = anonymizer.pseudonym(for: try #require(IPAddress("::ffff:192.0.2.1")))
            #expect(mapped == anonymizer.pseudonym(for: try #require(IPAddress("192.0.2.1"))), "\(method)")
        }
    }

    @Test func aBoundedCacheGivesTheSameAnswersAfterItEmpties() throws {
        let small = Anonymizer(method: .hmac, key: testKey, cacheLimit: 4)
        let large = Anonymizer(method: .hmac, key: testKey)
        for round in 0..<3 {
            for i in 0..<50 {
                let address = IPAddress.v4(0xC000_0200 | UInt32(i))
                #expect(small.pseudonym(for: address) == large.pseudonym(for: address), "round \(round)")
            }
        }
    }
}
