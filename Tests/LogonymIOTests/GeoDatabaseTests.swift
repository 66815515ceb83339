import Foundation
import LogonymCore
import LogonymIO
import Testing

/// The geolocation readers against the known answers of the test databases.
struct GeoDatabaseTests {
    static func path(_ name: String) -> String { Fixtures.path("geo/" + name) }

    static func lookup(_ database: any GeoDatabase, _ text: String) -> String {
        let bucket = database.lookup(IPAddress(text)!.canonical)
        guard bucket.kind == .located else { return "unknown" }
        var parts = [bucket.continent == 0 ? "-" : GeoCode.text(bucket.continent)]
        parts.append(bucket.country == 0 ? "-" : GeoCode.text(bucket.country))
        if bucket.asn != 0 { parts.append("AS\(bucket.asn)") }
        return parts.joined(separator: "/")
    }

    /// The table in the test data's README (checked there with mmdblookup).
    static let countryAnswers: [(String, String)] = [
        ("81.2.69.142", "EU/GB"), ("89.160.20.112", "EU/SE"), ("216.160.83.56", "NA/US"), ("67.43.156.1", "AS/BT"),
        ("202.196.224.1", "AS/PH"), ("2001:218::1", "AS/JP"), ("2a02:d280::1", "EU/CZ"), ("1.128.0.1", "unknown"),
        ("2600:6000::1", "unknown"), ("8.8.8.8", "unknown"),
    ]
    static let asnAnswers: [(String, String)] = [
        ("81.2.69.142", "unknown"), ("89.160.20.112", "-/-/AS29518"), ("216.160.83.56", "-/-/AS209"),
        ("67.43.156.1", "-/-/AS35908"), ("1.128.0.1", "-/-/AS1221"), ("2600:6000::1", "-/-/AS237"),
        ("8.8.8.8", "unknown"),
    ]

    @Test(arguments: ["GeoIP2-Country-Test.mmdb", "GeoLite2-Country-Test.mmdb", "GeoLite2-City-Test.mmdb"])
    func maxMindCountryDatabasesGiveTheKnownAnswers(_ name: String) throws {
        let database = try MaxMindDatabase(path: Self.path(name))
        for (address, expected) in Self.countryAnswers {
            #expect(Self.lookup(database, address) == expected, "\(name) \(address)")
        }
        // An IPv4-mapped address is its IPv4 address.
        #expect(Self.lookup(database, "::ffff:81.2.69.142") == "EU/GB")
    }

    @Test func theASNDatabaseGivesTheKnownAnswers() throws {
        let database = try MaxMindDatabase(path: Self.path("GeoLite2-ASN-Test.mmdb"))
        for (address, expected) in Self.asnAnswers {
            #expect(Self.lookup(database, address) == expected, "\(address)")
        }
    }

    @Test func theLogonymTestDatabaseGivesCountryContinentAndASNTogether() throws {
        let database = try MaxMindDatabase(path: Self.path("logonym-test.mmdb"))
        #expect(Self.lookup(database, "192.0.2.9") == "EU/GB/AS64500")
        #expect(Self.lookup(database, "::ffff:192.0.2.9") == "EU/GB/AS64500")
        #expect(Self.lookup(database, "198.51.100.200") == "AS/JP/AS64502")
        #expect(Self.lookup(database, "2001:db8:1::7") == "AF/ZA/AS64506")
        #expect(Self.lookup(database, "10.0.0.1") == "unknown")
    }

    @Test func theTorRangeFilesGiveCountriesWithUKAsGBAndUnknownForQuestionMarks() throws {
        let database = try TorRangeDatabase(ipv4: Self.path("tor-geoip-sample"), ipv6: Self.path("tor-geoip6-sample"))
        #expect(Self.lookup(database, "1.0.0.1") == "OC/AU")
        #expect(Self.lookup(database, "80.242.69.7") == "EU/GB", "UK is GB")
        #expect(Self.lookup(database, "192.0.2.255") == "EU/GB")
        #expect(Self.lookup(database, "198.51.100.127") == "EU/DE")
        #expect(Self.lookup(database, "198.51.100.128") == "AS/JP")
        #expect(Self.lookup(database, "203.0.113.5") == "unknown", "?? is unknown")
        #expect(Self.lookup(database, "192.0.3.0") == "unknown", "between ranges")
        #expect(Self.lookup(database, "2001:db8:0:ffff::1") == "OC/AU")
        #expect(Self.lookup(database, "2001:db8:1::1") == "AF/ZA")
        #expect(Self.lookup(database, "2a05:5500::9") == "EU/GB", "UK is GB in IPv6 too")
        #expect(Self.lookup(database, "fd42:23eb:6cf::1") == "unknown")
        #expect(Self.lookup(database, "::ffff:198.51.100.7") == "EU/DE")
    }

    @Test func continentOnlyTorCodesGiveAContinentAndNoCountry() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.path + "/geoip"
        try "16777216,16777471,EU\n16777472,16777727,AP\n".write(toFile: file, atomically: true, encoding: .utf8)
        let database = try TorRangeDatabase(ipv4: file, ipv6: nil)
        #expect(Self.lookup(database, "1.0.0.1") == "EU/-")
        #expect(Self.lookup(database, "1.0.1.1") == "AS/-")
    }

    @Test(arguments: [
        ("GeoIP2-City-Test-Invalid-Node-Count.mmdb", "invalid metadata"),
        ("MaxMind-DB-test-broken-search-tree-24.mmdb", "corrupt MaxMind database"),
        ("missing.mmdb", "no such geolocation database"),
    ])
    func brokenOrMissingDatabasesFailAtOpenNamingTheFile(_ name: String, _ message: String) {
        let path = Self.path(name)
        do {
            _ = try GeoDatabases.open(GeoSettings(database: path))
            Issue.record("\(name) opened")
        } catch {
            #expect(error.path == path)
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func aTorFileWithABadLineNamesTheLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.path + "/geoip"
        try "# comment\n16777216,16777471,AU\n16777472,oops,DE\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: LogonymIOError.self) { try TorRangeDatabase(ipv4: file, ipv6: nil) }
        do {
            _ = try TorRangeDatabase(ipv4: file, ipv6: nil)
        } catch {
            #expect(error.description == "\(file): line 3 is not a START,END,CC range of the Tor geoip format")
        }
    }
}
