import Foundation
import LogonymCore
import Testing

/// Geo buckets, k-anonymous roll-up, the continent table and the keyed client hash.
struct GeoTests {
    static func code(_ text: String) -> UInt16 { GeoCode.pack(text)! }

    static func bucket(_ continent: String, _ country: String, _ asn: UInt32 = 0) -> GeoBucket {
        GeoBucket(continent: code(continent), country: code(country), asn: asn)
    }

    /// Counts `clients` distinct clients (one line each) into a bucket.
    static func add(_ counts: inout GeoCounts, _ bucket: GeoBucket, clients: Range<UInt64>) {
        counts.add(bucket: bucket, lines: clients.count, clients: Set(clients))
    }

    @Test func smallBucketsRollUpUntilTheyHoldKClientsAndNoRowIsUnderK() {
        var counts = GeoCounts()
        Self.add(&counts, Self.bucket("EU", "DE", 64501), clients: 0..<12)  // reported as is
        Self.add(&counts, Self.bucket("EU", "DE", 64999), clients: 100..<104)  // rolls up to DE
        Self.add(&counts, Self.bucket("EU", "DE", 65000), clients: 200..<207)  // with the above: DE has 11
        Self.add(&counts, Self.bucket("EU", "FR", 64507), clients: 300..<303)  // FR 3, rolls up to EU
        Self.add(&counts, Self.bucket("EU", "NL", 1), clients: 400..<405)  // NL 5 + FR 3 = EU 8, rolls to ZZ
        Self.add(&counts, Self.bucket("OC", "AU", 2), clients: 500..<503)  // 3 more at ZZ: 11
        Self.add(&counts, .privateAddress, clients: 600..<610)
        let (rows, suppressed) = counts.report(k: 10, level: .countryASN)
        let texts = Set(rows.map { $0.level == nil ? "ZZ" : $0.bucket.fieldText($0.level!) })
        #expect(texts == ["EU/DE/AS64501", "EU/DE", "ZZ", "private"])
        #expect(rows.allSatisfy { $0.clients >= 10 })
        #expect(rows.first { $0.level == nil }?.clients == 11)
        #expect(suppressed == 0)
        #expect(rows.reduce(0) { $0 + $1.lines } == counts.lines.reduce(0, +))
    }

    @Test func whatIsStillUnderKAtTheTopIsLeftOutAndOnlyCounted() {
        var counts = GeoCounts()
        Self.add(&counts, Self.bucket("EU", "DE"), clients: 0..<3)
        Self.add(&counts, Self.bucket("AS", "JP"), clients: 10..<12)
        let (rows, suppressed) = counts.report(k: 10, level: .country)
        #expect(rows.isEmpty)
        #expect(suppressed == 5)
    }

    @Test func theSameClientInTwoBucketsCountsOnceWhenTheyMerge() {
        var counts = GeoCounts()
        Self.add(&counts, Self.bucket("EU", "DE", 1), clients: 0..<6)
        Self.add(&counts, Self.bucket("EU", "DE", 2), clients: 0..<6)
        let (rows, _) = counts.report(k: 6, level: .countryASN)
        #expect(rows.count == 2)
        let (merged, suppressed) = counts.report(k: 7, level: .countryASN)
        #expect(merged.isEmpty && suppressed == 12, "six distinct clients, not twelve")
    }

    @Test func theContinentTableIsTheGeoNamesTable() throws {
        let tsv = try String(contentsOfFile: Fixtures.path("geo/cc2continent.tsv"), encoding: .utf8)
        var rows = 0
        for line in tsv.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t")
            #expect(ContinentTable.continent(ofCountry: Self.code(String(parts[0]))) == Self.code(String(parts[1])))
            rows += 1
        }
        #expect(rows == 252 && ContinentTable.count == rows)
    }

    @Test func privateLoopbackAndLinkLocalAreRecognisedButDocumentationRangesAreNot() {
        for text in [
            "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "169.254.3.4", "::1",
            "fe80::1", "fd00::1", "fc12::3",
        ] {
            #expect(GeoTagger.isPrivate(IPAddress(text)!), "\(text)")
        }
        for text in ["172.32.0.1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1", "8.8.8.8", "fec0::1"] {
            #expect(!GeoTagger.isPrivate(IPAddress(text)!), "\(text)")
        }
    }

    /// The reference vector of the SipHash paper: key 00..0f, message 00..07.
    @Test func sipHashMatchesTheReferenceVector() {
        let hash = SipHash(key: (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908))
        #expect(hash.hash(words: [0x0706_0504_0302_0100]) == 0x93f5_f579_9a93_2462)
    }

    @Test func bucketsRenderAsFieldAndJSONAtEachLevel() {
        let bucket = Self.bucket("EU", "DE", 64501)
        #expect(bucket.fieldText(.continent) == "EU")
        #expect(bucket.fieldText(.country) == "EU/DE")
        #expect(bucket.fieldText(.countryASN) == "EU/DE/AS64501")
        #expect(GeoBucket.unknown.fieldText(.country) == "unknown")
        #expect(GeoBucket.privateAddress.fieldText(.countryASN) == "private")
        var json: [UInt8] = []
        bucket.writeJSON(.countryASN, into: &json)
        #expect(String(decoding: json, as: UTF8.self) == #"{"continent":"EU","country":"DE","asn":64501}"#)
        json = []
        GeoBucket.unknown.writeJSON(.country, into: &json)
        #expect(String(decoding: json, as: UTF8.self) == #"{"continent":"unknown","country":"unknown"}"#)
    }

    @Test func bucketClientsAreExactWhileFewAndASketchBeyondAndSurviveStorage() {
        let hasher = SipHash(key: (1, 2))
        var small = BucketClients(Set((0..<15).map { hasher.hash(words: [UInt64($0)]) }))
        #expect(small.clientCount == 15)
        #expect(BucketClients(encoded: small.encoded) == small)
        var big = BucketClients(Set((0..<1000).map { hasher.hash(words: [UInt64($0)]) }))
        #expect(abs(big.clientCount - 1000) < 60, "\(big.clientCount)")
        #expect(BucketClients(encoded: big.encoded)?.clientCount == big.clientCount)
        small.formUnion(with: big)
        #expect(abs(small.clientCount - 1000) < 60)
        big.formUnion(with: BucketClients())
        #expect(BucketClients(encoded: [0x58]) == nil)
    }
}
