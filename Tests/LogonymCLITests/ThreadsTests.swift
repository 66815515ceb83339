import Foundation
import Testing

/// `anonymize --threads N` shares each input's lines out to N threads: the output bytes (gzip members included), the
/// summary's counters and the geo table are those of `--threads 1`, over several formats, geo, a damaged input and
/// an input large enough for many batches.
struct ThreadsTests {
    @Test func threadsChangeNothingButTheTime() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // Inputs large enough to be shared out (a file of two chunks, or a quarter of one gzipped): about 4 MB of
        // combined lines, 2.5 MB of JSON lines, the combined lines gzipped and cut short; and the small vhost
        // fixture, which one thread reads.
        func repeated(_ fixture: String, _ times: Int, to name: String) throws -> String {
            let path = scratch.file(name)
            let script = "for i in $(seq \(times)); do zcat '\(CLI.fixture(fixture))'; done > '\(path)'"
            #expect(try CLI.runProgram("/bin/sh", ["-c", script]).status == 0)
            return path
        }
        let big = try repeated("generated-combined.log.gz", 4, to: "big.log")
        let json = try repeated("generated-json.log.gz", 5, to: "json.log")
        let damaged = scratch.file("damaged.log.gz")
        #expect(try CLI.runProgram("/bin/sh", ["-c", "gzip -c '\(big)' | head -c 700000 > '\(damaged)'"]).status == 0)
        let inputs = [big, json, damaged, CLI.fixture("generated-vhost.log.gz")]
        var outputs: [Data] = []
        var summaries: [NSDictionary] = []
        for threads in [1, 2, 3] {
            for suffix in [".log", ".log.gz"] {
                let output = scratch.file("out-\(threads)\(suffix)")
                let result = try CLI.run(
                    ["anonymize"] + inputs + [
                        "-o", output, "--threads", "\(threads)", "--summary", "json",
                        "--geo", CLI.fixture("geo/GeoLite2-Country-Test.mmdb"), "--geo-k", "1",
                    ]
                )
                #expect(result.status == 1, "the damaged input fails, the others are processed: \(result.stderr)")
                var summary = try CLI.summary(result)
                summary["seconds"] = nil
                summary["mb_per_s"] = nil
                summaries.append(summary as NSDictionary)
                outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            }
        }
        let first = try #require(summaries.first)
        #expect((first["lines_read"] as? Int ?? 0) > 20000)
        #expect(first["geo"] != nil, "the geo table is in the summary")
        for (k, summary) in summaries.enumerated() {
            // (Plain and gzip outputs differ in bytes written only.)
            #expect(summary == summaries[k % 2], "run \(k): \(summary) against \(summaries[k % 2])")
        }
        for k in stride(from: 2, to: outputs.count, by: 2) {
            #expect(outputs[k] == outputs[0], "plain output of run \(k)")
            #expect(outputs[k + 1] == outputs[1], "gzip output of run \(k + 1), member for member")
        }
    }
}
