import Foundation
import Testing

/// `anonymize --threads N` shares each input's lines out to N threads: the output bytes (gzip members included), the
/// summary's counters and the geo table are those of `--threads 1`, over several formats, geo, a damaged input and
/// an input large enough for many batches.
struct ThreadsTests {
    @Test func threadsChangeNothingButTheTime() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // About 4 MB of combined lines (many batches), the JSON and vhost fixtures, and a truncated gzip.
        let combined = try CLI.runProgram("/bin/sh", ["-c", "zcat '\(CLI.fixture("generated-combined.log.gz"))'"])
        var big = Data()
        for _ in 0..<4 { big.append(combined.stdout) }
        let bigPath = scratch.file("big.log")
        try big.write(to: URL(fileURLWithPath: bigPath))
        let damaged = scratch.file("damaged.log.gz")
        let gz = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("generated-combined.log.gz")))
        try gz.prefix(gz.count * 2 / 3).write(to: URL(fileURLWithPath: damaged))
        let inputs = [
            bigPath, CLI.fixture("generated-json.log.gz"), damaged, CLI.fixture("generated-vhost.log.gz"),
        ]
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
        #expect((first["lines_read"] as? Int ?? 0) > 14000)
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
