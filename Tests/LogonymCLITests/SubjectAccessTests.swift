import Foundation
import LogonymCore
import LogonymTestSupport
import Testing

/// `logonym access`: one data subject's lines, from the windows whose key still exists.
struct SubjectAccessTests {
    static let subject = "198.51.100.7"

    /// A seeded log over nine hours of 2030-01-01: the subject as client, as a forwarded-for element and in a
    /// referrer's query, a neighbour in the same /24, and other clients; a state made from it under hmac.
    struct Setup {
        let scratch: Scratch
        /// The input lines, per hour, in order.
        var hours: [[String]] = Array(repeating: [], count: 9)
        var config: String { scratch.file("logonym.toml") }

        init(seed: UInt64) throws {
            scratch = try Scratch()
            var random = SplitMix64(seed: seed, stream: 0xACC, index: 0)
            var text = ""
            for i in 0..<4_000 {
                let hour = i * 9 / 4_000
                let time = String(format: "01/Jan/2030:%02d:%02d:%02d +0000", hour, i % 60, i % 59)
                let client: String
                var forwarded = "-"
                switch random.below(20) {
                case 0: client = SubjectAccessTests.subject
                case 1:
                    client = "100.64.0.1"
                    forwarded = "\(SubjectAccessTests.subject), 10.0.0.\(random.below(250))"
                case 2: client = "198.51.100.8"
                default: client = "100.\(64 + random.below(60)).\(random.below(256)).\(random.below(256))"
                }
                let line =
                    "\(client) - - [\(time)] \"GET /p\(i) HTTP/1.1\" 200 \(random.below(9_000)) \"-\" \"agent \(random.below(5))\" \"\(forwarded)\""
                hours[hour].append(line)
                text += line + "\n"
            }
            let input = scratch.file("in.log")
            try text.write(toFile: input, atomically: true, encoding: .utf8)
            try """
            [state]
            dir = "\(scratch.file("state"))"
            [output]
            dir = "\(scratch.file("out"))"
            [anonymize]
            method = "hmac"
            [[input]]
            name = "batch"
            paths = ["\(input)"]
            log_format = '\(Self.format)'
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let run = try CLI.run([
                "anonymize", "--method", "hmac", "--log-format", Self.format, "--window", "1h", "--output-dir",
                scratch.file("out"), "--state-dir", scratch.file("state"), "--summary", "none", input,
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }

        static let format =
            #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#

        /// The output lines of the subject's input lines: each window's segment holds its hour's lines in order.
        func reference(hours wanted: Range<Int>) throws -> [String] {
            var lines: [String] = []
            for hour in wanted {
                let path = scratch.file(String(format: "out/batch/2030-01-01T%02d.log.gz", hour))
                let output = String(decoding: try DaemonHarness.decoded(path), as: UTF8.self).split(separator: "\n")
                #expect(output.count == self.hours[hour].count, "hour \(hour)")
                for (input, written) in zip(self.hours[hour], output) where input.contains(SubjectAccessTests.subject) {
                    lines.append(String(written))
                }
            }
            return lines
        }

        func access(_ extra: [String] = []) throws -> CLI.Result {
            try CLI.run(["access", "--config", config, "--address", SubjectAccessTests.subject] + extra)
        }
    }

    @Test(arguments: [1, 2] as [UInt64])
    func accessReturnsExactlyTheSubjectsLinesAndIsAudited(seed: UInt64) throws {
        let setup = try Setup(seed: seed)
        defer { setup.scratch.cleanup() }
        let expected = try setup.reference(hours: 0..<9)
        #expect(expected.count > 100)
        let result = try setup.access()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.split(separator: "\n").map(String.init) == expected)
        #expect(result.stderr.contains("access: \(expected.count) lines from 9 windows; 0 windows unlinkable"))
        // JSON: the same lines, with their windows; to a file.
        let file = setup.scratch.file("subject.jsonl")
        #expect(try setup.access(["--output-format", "json", "-o", file]).status == 0)
        let objects = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            .map { try CLI.jsonObject(Data($0.utf8)) }
        #expect(objects.compactMap { $0["line"] as? String } == expected)
        #expect(objects.first?["window"] as? String == "2030-01-01T00")
        // Each access is one read in the audit log, with the lines returned; the address is nowhere in the state.
        let audit = try CLI.run(["audit", "--config", setup.config, "--kind", "read", "--json"])
        let reads = audit.stdoutText.split(separator: "\n").map { try? CLI.jsonObject(Data($0.utf8)) }
            .filter { $0?["command"] as? String == "access" }
        #expect(reads.count == 2 && reads.allSatisfy { $0?["lines"] as? Int == expected.count })
        for name in try FileManager.default.subpathsOfDirectory(atPath: setup.scratch.file("state")) {
            let path = setup.scratch.file("state/" + name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            #expect(data.range(of: Data(Self.subject.utf8)) == nil, "\(name) holds the address")
        }
    }

    @Test func windowsWhoseKeyIsGoneAreUnlinkableAndForgetLeavesNothing() throws {
        let setup = try Setup(seed: 3)
        defer { setup.scratch.cleanup() }
        // Keys live one window plus an hour after their window ends: at 04:30 the keys of hours 0 and 1 are gone.
        let sweep = try CLI.run(["retention", "--config", setup.config, "--now", "2030-01-01T04:30:00Z"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let result = try setup.access()
        #expect(result.status == 0)
        #expect(result.stdoutText.split(separator: "\n").map(String.init) == (try setup.reference(hours: 2..<9)))
        #expect(result.stderr.contains("window 2030-01-01T00: unlinkable"))
        #expect(result.stderr.contains("window 2030-01-01T01: unlinkable"))
        #expect(result.stderr.contains("7 windows; 2 windows unlinkable"))
        // A range keeps its windows only.
        let range = try setup.access(["--since", "2030-01-01T04:00:00Z", "--until", "2030-01-01T06:00:00Z"])
        #expect(range.stdoutText.split(separator: "\n").map(String.init) == (try setup.reference(hours: 4..<6)))
        // After erasure there is nothing left to give.
        let forget = try CLI.run(["forget", "--config", setup.config, "--address", Self.subject])
        #expect(forget.status == 0, "\(forget.stderr)")
        let after = try setup.access()
        #expect(after.status == 0 && after.stdout.isEmpty)
        #expect(after.stderr.contains("access: 0 lines from 0 windows; 2 windows unlinkable"))
    }

    @Test func underTruncateNothingCanBeAttributed() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let input = scratch.file("in.log")
        try "\(Self.subject) - - [01/Jan/2030:00:00:01 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\"\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        let config = scratch.file("c.toml")
        try
            "[state]\ndir = \"\(scratch.file("state"))\"\n[output]\ndir = \"\(scratch.file("out"))\"\n[[input]]\nname = \"batch\"\npaths = [\"\(input)\"]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        #expect(
            try CLI.run([
                "anonymize", "--window", "1h", "--output-dir", scratch.file("out"), "--state-dir",
                scratch.file("state"),
                "--summary", "none", input,
            ]).status == 0
        )
        let result = try CLI.run(["access", "--config", config, "--address", Self.subject])
        #expect(result.status == 0 && result.stdout.isEmpty)
        #expect(result.stderr.contains("cannot be attributed to one client"))
        #expect(try CLI.run(["access", "--config", config, "--address", "not-an-address"]).status == 2)
    }
}
