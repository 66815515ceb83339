import LogonymCore
import Testing

struct FallbackScannerTests {
    @Test(arguments: [
        ("client 192.0.2.77 said hi", "client 192.0.2.0 said hi"),
        ("from=198.51.100.7:4433;", "from=198.51.100.0:4433;"),
        ("[2001:db8:1:2::3]:443", "[2001:db8:1::]:443"),
        ("v6 fe80::1%eth0 here", "v6 fe80::%eth0 here"),
        ("glued:abc203.0.113.9xyz", "glued:abc203.0.113.0xyz"),
        ("two 10.1.2.3,10.9.8.7.", "two 10.1.2.0,10.9.8.0."),
        ("mapped ::ffff:192.0.2.9 end", "mapped ::ffff:192.0.2.0 end"),
        ("at end 2001:db8::1.", "at end 2001:db8::."),
        ("leading zero 010.001.002.003", "leading zero 10.1.2.0"),
        ("no address 13:55:36 or 1.2.3 or 2026-10-10", "no address 13:55:36 or 1.2.3 or 2026-10-10"),
        ("xcafe2001:db8::1 ok", "xcafe2001:db8:: ok"),
        ("", ""),
    ])
    func scrubsEveryAddressLookingToken(_ input: String, _ expected: String) {
        #expect(scrub(input) == expected)
    }

    @Test func safeCutNeverSplitsAToken() {
        let text = Array("aaaa 192.0.2.1".utf8)
        let cut = text.withUnsafeBufferPointer { FallbackScanner.safeCut($0, from: 0, to: $0.count) }
        #expect(cut == 5, "after the last blank, before the address")
        let run = Array("2001:db8::1".utf8)
        #expect(run.withUnsafeBufferPointer { FallbackScanner.safeCut($0, from: 0, to: $0.count) } == 0)
    }
}
