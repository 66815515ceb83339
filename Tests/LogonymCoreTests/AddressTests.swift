import LogonymCore
import Testing

struct AddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::ffff:c000:201", "::ffff:192.0.2.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
    ])
    func parsesAndWritesRFC5952(_ input: String, _ expected: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == expected)
    }

    @Test(arguments: [
        "010.1.2.3", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "", "1.2.3.", ".1.2.3.4", "1:2:3:4:5:6:7:8:9",
        "1::2::3", ":1:2", "1:2:", "12345::", "g::1", "::ffff:1.2.3", "1.2.3.4:", "fe80::1%eth0", "::1.2.3.4.5",
        "unknown", "-",
    ])
    func rejectsWhatIsNotOneAddress(_ input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func mappedAddressesAreTheirIPv4Address() throws {
        let mapped = try #require(IPAddress("::ffff:203.0.113.9"))
        #expect(mapped.canonical == IPAddress("203.0.113.9"))
        #expect(IPAddress("2001:db8::1")?.canonical == IPAddress("2001:db8::1"))
    }

    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("192.0.2.1:8080", "192.0.2.1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[fe80::1%eth0]:443", "fe80::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ])
    func addressFieldsFindTheAddressInsideBracketsPortsAndZones(_ field: String, _ address: String) throws {
        let bytes = Array(field.utf8)
        let parsed = try #require(bytes.withUnsafeBufferPointer { AddressField.parse($0, from: 0, to: $0.count) })
        #expect(String(decoding: bytes[parsed.range], as: UTF8.self) == address)
    }

    @Test(arguments: ["example.com", "unknown", "1.2.3.4:port", "[2001:db8::1", "[1.2.3.4]", "2001:db8::1:80:", ""])
    func addressFieldsRejectOtherValues(_ field: String) {
        let bytes = Array(field.utf8)
        #expect(bytes.withUnsafeBufferPointer { AddressField.parse($0, from: 0, to: $0.count) } == nil)
    }

    @Test func sixToFourTruncationAlsoTruncatesTheEmbeddedIPv4() throws {
        let address = try #require(IPAddress("2002:cb00:7109::1"))
        #expect(Truncation.apply(address, prefixes: .ga).description == "2002:cb00:7100::")
        #expect(Truncation.apply(address, prefixes: .strict).description == "2002:cb00::")
    }

    @Test func presetsHaveTheDocumentedPrefixes() {
        #expect(TruncationPrefixes.presets["strict"] == TruncationPrefixes(ipv4: 16, ipv6: 32))
        #expect(TruncationPrefixes.presets["ga"] == TruncationPrefixes(ipv4: 24, ipv6: 48))
        #expect(TruncationPrefixes.presets["anonip"] == TruncationPrefixes(ipv4: 20, ipv6: 44))
    }

    @Test func keysReadRawBytesOrHexAndRejectOtherLengths() {
        #expect(PseudonymKey(fileContents: Array(repeating: 7, count: 32))?.bytes == Array(repeating: 7, count: 32))
        let hex = Array(String(repeating: "ab", count: 32).utf8)
        #expect(PseudonymKey(fileContents: hex + [0x0A])?.bytes == Array(repeating: 0xAB, count: 32))
        #expect(PseudonymKey(fileContents: Array(repeating: 7, count: 31)) == nil)
        #expect(PseudonymKey(fileContents: Array(String(repeating: "zz", count: 32).utf8)) == nil)
        #expect(!testKey.description.contains("00"))
    }
}
