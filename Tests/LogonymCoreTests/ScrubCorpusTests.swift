import Foundation
import LogonymCore
import Testing

/// The scrub stage on the corpora built from real sites' URL shapes (`Benchmarks/gen_scrub_corpus.py --seed 1`, see
/// `Tests/Fixtures/README.md`): a control corpus without personal data, a planted one with personal data in the shapes
/// real forms, links and APIs use, and the landing pages of nested URLs that must survive. The rates asserted here
/// are the ones the README states.
struct ScrubCorpusTests {
    static func rows(_ name: String) throws -> [[String]] {
        try String(contentsOfFile: Fixtures.path(name), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
    }

    /// The URL as the scrub stage alone leaves it (no address stage).
    static func scrub(_ url: String, _ scrubber: Scrubber) -> String {
        let bytes = Array(url.utf8)
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { scrubber.writeURL($0, 0..<$0.count, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func theControlCorpusIsLeftAloneOutsideDenyListHomonyms() throws {
        let rows = try Self.rows("scrub/control-urls.tsv")
        #expect(rows.count >= 3000)
        let scrubber = Scrubber(settings: ScrubSettings())
        var changed: [String] = []
        var homonyms: [(url: String, name: String)] = []
        for row in rows {
            if row[1].hasPrefix("homonym:") {
                homonyms.append((row[0], String(row[1].dropFirst("homonym:".count))))
            } else if Self.scrub(row[0], scrubber) != row[0] {
                changed.append(row[0] + "  →  " + Self.scrub(row[0], scrubber))
            }
        }
        let plain = rows.count - homonyms.count
        let rate = Double(changed.count) / Double(plain)
        print("control: \(changed.count) of \(plain) URLs changed (\(String(format: "%.2f", rate * 100))%)")
        for line in changed.prefix(40) { print("  changed: \(line)") }
        #expect(rate <= 0.005)
        let homonymsChanged = homonyms.filter { Self.scrub($0.url, scrubber) != $0.url }.count
        print("control homonyms: \(homonymsChanged) of \(homonyms.count) changed by default")
        // Homonyms go with `keep`, which takes their names off the list without copying it.
        var settings = ScrubSettings()
        settings.keepNames += Set(homonyms.map(\.name)).sorted()
        let keeping = Scrubber(settings: settings)
        let stillChanged = homonyms.filter { Self.scrub($0.url, keeping) != $0.url }
        for (url, _) in stillChanged.prefix(20) {
            print("  homonym still changed: \(url) → \(Self.scrub(url, keeping))")
        }
        #expect(stillChanged.isEmpty)
    }

    @Test func plantedPersonalDataGoes() throws {
        let rows = try Self.rows("scrub/planted-urls.tsv")
        #expect(rows.count >= 600)
        let scrubber = Scrubber(settings: ScrubSettings())
        var kept: [String: Int] = [:]
        var total: [String: Int] = [:]
        var examples: [String] = []
        for row in rows where !row[1].hasPrefix("out-of-reach:") {
            let output = Self.scrub(row[0], scrubber)
            total[row[1], default: 0] += 1
            let leaks = row[2...].contains { value in
                output.contains(value) || output.contains(ScrubTests.decoded(value))
            }
            if leaks {
                kept[row[1], default: 0] += 1
                examples.append("[\(row[1])] \(row[0])  →  \(output)")
            }
        }
        let inReach = total.values.reduce(0, +)
        let leaking = kept.values.reduce(0, +)
        let rate = Double(leaking) / Double(inReach)
        print("planted: \(leaking) of \(inReach) URLs keep some personal data (\(String(format: "%.2f", rate * 100))%)")
        for (category, n) in kept.sorted(by: { $0.value > $1.value }) {
            print("  \(category): \(n) of \(total[category]!)")
        }
        for line in examples.prefix(40) { print("  kept: \(line)") }
        #expect(rate <= 0.10)
    }

    @Test func nestedURLsKeepTheirLandingPage() throws {
        let rows = try Self.rows("scrub/landings.tsv")
        #expect(rows.count >= 30)
        let scrubber = Scrubber(settings: ScrubSettings())
        for row in rows {
            let output = Self.scrub(row[0], scrubber)
            #expect(output.contains(row[1]), "\(row[0]) → \(output)")
            #expect(output.contains("[Filtered]"), "\(row[0]) → \(output)")
        }
    }
}
