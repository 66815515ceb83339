import LogonymCore
import Testing

/// Which tenant a virtual host belongs to.
struct TenantHostsTests {
    static let hosts = try! TenantHosts([
        ["acme.example", "*.acme.example"],  // 0
        ["*.shop.acme.example"],  // 1: a longer wildcard inside acme's
        ["special.shop.acme.example"],  // 2: an exact name inside both
        ["beta.example"],  // 3
    ])

    static func tenant(_ host: String) -> Int? {
        Array(host.utf8).withUnsafeBufferPointer { hosts.tenant(of: $0, 0..<$0.count) }
    }

    @Test(arguments: [
        ("acme.example", 0), ("www.acme.example", 0), ("a.b.acme.example", 0), ("ACME.Example", 0),
        ("acme.example.", 0), ("acme.example:8443", 0), ("shop.acme.example", 0), ("x.shop.acme.example", 1),
        ("special.shop.acme.example", 2), ("Special.Shop.Acme.Example:443", 2), ("beta.example", 3),
    ])
    func aHostGoesToItsMostSpecificPattern(_ host: String, _ expected: Int) {
        #expect(Self.tenant(host) == expected)
    }

    @Test(arguments: [
        "notacme.example", "example", "www.beta.example", "", "-", "203.0.113.5", "[2001:db8::1]", "[2001:db8::1]:443",
        "acme.example:http", "acme..example", ".acme.example", "acme.example\u{0}", "acmé.example", "beta.example:",
        String(repeating: "a.", count: 200) + "acme.example",
    ])
    func anythingElseBelongsToNoTenant(_ host: String) {
        #expect(Self.tenant(host) == nil)
    }

    @Test func aPatternClaimedTwiceOrNotAHostIsRefused() {
        #expect(throws: TenantHosts.Problem.self) { try TenantHosts([["a.example"], ["A.example."]]) }
        #expect(throws: TenantHosts.Problem.self) { try TenantHosts([["*.a.example"], ["*.A.example"]]) }
        for bad in ["*", "*.", "a b.example", "*.*.example", "", "203.0.113.5:80x"] {
            #expect(throws: TenantHosts.Problem.self, "\(bad)") { try TenantHosts([[bad]]) }
        }
    }

    @Test func theHostFieldIsFoundInTextAndJSONLines() throws {
        let vhost = VirtualHostReader(format: .text(.vhostCombined))
        let line = Array(
            #"shop.acme.example:443 203.0.113.9 - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#.utf8
        )
        let host = line.withUnsafeBufferPointer { b in vhost.host(b, from: 0, to: b.count).map { Array(b[$0]) } }
        #expect(host == Array("shop.acme.example".utf8))
        #expect(!VirtualHostReader(format: .text(.combined)).findsHosts)
        let json = VirtualHostReader(format: .json(JSONLineFormat()))
        let traefik = Array(#"{"ClientHost":"203.0.113.9","RequestHost":"beta.example","RequestPath":"/"}"#.utf8)
        let found = traefik.withUnsafeBufferPointer { b in json.host(b, from: 0, to: b.count).map { Array(b[$0]) } }
        #expect(found == Array("beta.example".utf8))
    }
}
