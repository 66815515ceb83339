import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The daemon against crashes and real logrotate. Each test writes lines steadily and checks that the output holds
/// each line exactly once, in order.
@Suite(
    .serialized,
    .enabled(
        if: CLI.which("logrotate") != nil || ProcessInfo.processInfo.environment["CI"] != nil,
        "needs logrotate (the README's first command installs it)"
    )
)
struct DaemonTests {
    @Test func fiftyKillsAtRandomMomentsLoseAndDoubleNothing() async throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let lines = generatedLines(40_000, malformedEvery: 997)
        let writer = LogWriter(path: harness.log, lines: lines)
        writer.start(batch: 50...300, pause: 8000)
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        while kills < 50 || !writer.isDone {
            try harness.start()
            try await Task.sleep(for: .milliseconds(Int.random(in: 40...400, using: &generator)))
            harness.stop(signal: SIGKILL)
            kills += 1
        }
        writer.wait()
        let final = try harness.catchUp()
        #expect(final.status == 0, "\(final.stderr)")
        let output = try harness.output()
        let expected = try DaemonHarness.reference(lines)
        #expect(output.count == expected.count, "bytes: \(output.count) vs \(expected.count)")
        let same = output == expected
        if !same {
            let got = output.split(separator: 0x0A)
            let want = expected.split(separator: 0x0A)
            let first =
                zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
            let show = { (lines: [ArraySlice<UInt8>]) in
                lines[max(0, first - 1)..<min(lines.count, first + 2)].map { String(decoding: $0, as: UTF8.self) }
            }
            Issue.record(
                "line \(first) of \(want.count) differs after \(kills) kills; got \(show(got)), want \(show(want)); segments \(harness.segmentPaths.map { ($0 as NSString).lastPathComponent }.sorted()); daemon: \(harness.daemonLogTail(20))"
            )
        }
        for path in harness.segmentPaths {
            let test = try CLI.runProgram("/bin/sh", ["-c", "gzip -t '\(path)'"])
            #expect(test.status == 0, "\(path) is not a valid gzip file")
        }
        #expect(harness.segmentPaths.count >= 2, "the lines span several windows")
        // Exactly once holds for the counters too: they are committed with the output.
        let stats = try CLI.run(["stats", "--config", harness.config, "--json"])
        let totals = try #require(try CLI.jsonObject(stats.stdout)["totals"] as? [String: Any])
        let outputLines = output.count { $0 == 0x0A }
        #expect(totals["lines_read"] as? Int == lines.count)
        #expect(totals["lines_written"] as? Int == outputLines)
        #expect(totals["lines_dropped"] as? Int == 0)
        #expect(totals["bytes_out"] as? Int == output.count)
    }

    @Test(arguments: [
        ("create", false), ("create", true), ("create\n    compress\n    delaycompress", false),
        ("create\n    compress\n    delaycompress", true), ("create\n    compress", false),
        ("create\n    compress", true),
        ("copytruncate", false), ("copytruncate", true),
    ])
    func rotationWhileAWriterAppendsKeepsEveryLineOnce(_ directives: String, _ withKills: Bool) async throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let lines = generatedLines(20_000)
        let writer = LogWriter(path: harness.log, lines: lines)
        try harness.start()
        writer.start()
        var rotations = 0
        var generator = SystemRandomNumberGenerator()
        // At least three rotations, however fast the writer is on a loaded machine.
        while !writer.isDone || rotations < 3 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...400, using: &generator)))
            try harness.rotate(directives)
            rotations += 1
            if withKills && rotations % 2 == 0 {
                harness.stop(signal: SIGKILL)
                if rotations % 4 == 0 {
                    try harness.rotate(directives)  // rotated again while logonym is down
                    rotations += 1
                }
                try harness.start()
            }
        }
        writer.wait()
        try await Task.sleep(for: .milliseconds(2500))  // let the last rotated file go quiet
        let stopped = harness.stop(signal: SIGTERM)
        #expect(
            stopped == 0,
            "the daemon ended with \(stopped.map(String.init) ?? "?") (a signal number if it crashed):\n\(harness.daemonLogTail())"
        )
        let final = try harness.catchUp()
        #expect(final.status == 0)
        let output = try harness.output().split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        let expected = try DaemonHarness.reference(lines).split(separator: 0x0A, omittingEmptySubsequences: false)
            .dropLast()
        #expect(rotations >= 3)
        #expect(Set(output).count == output.count, "no line twice (\(output.count - Set(output).count) doubled)")
        let missing = expected.count - output.count
        if directives == "copytruncate" {
            // Lines written between logrotate's copy and its truncation cannot be recovered; each such event
            // must be recorded.
            let losses = try harness.recordedLosses()
            #expect(missing == 0 || losses > 0, "\(missing) lines lost silently")
            var position = expected.startIndex
            for line in output {
                guard let found = expected[position...].firstIndex(of: line) else {
                    Issue.record("output line out of order or unknown")
                    break
                }
                position = found + 1
            }
        } else {
            #expect(
                missing == 0,
                "\(missing) lines lost; the daemon said:\n\(harness.daemonLogTail())\nthe catch-up said:\n\(final.stderr.suffix(2000))"
            )
            #expect(Array(output) == Array(expected), "every line once, in order")
        }
    }

    @Test func partialLinesWaitForTheirNewlineAndStartAtEndSkipsTheBacklog() async throws {
        let harness = try DaemonHarness(compress: false)
        defer { harness.cleanup() }
        let lines = generatedLines(10)
        let fd = open(harness.log, O_WRONLY | O_APPEND)
        defer { close(fd) }
        let first = lines[0] + [0x0A] + Array(lines[1].prefix(30))
        first.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        try harness.start()
        try await Task.sleep(for: .milliseconds(1500))
        let partial = try harness.output()
        #expect(partial.filter { $0 == 0x0A }.count == 1, "the half line is held back")
        let rest = Array(lines[1].dropFirst(30)) + [0x0A]
        rest.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(harness.stop() == 0)
        let output = try harness.output()
        #expect(output == (try DaemonHarness.reference(Array(lines[0...1]))))
    }
}

@Suite(.serialized)
struct DeletedFileTests {
    /// A file deleted while it is being followed is read to its end through the open descriptor, then the new file.
    @Test func aFileDeletedWhileFollowedIsReadToItsEnd() async throws {
        let harness = try DaemonHarness(compress: false)
        defer { harness.cleanup() }
        let lines = generatedLines(3000)
        func append(_ range: Range<Int>, to path: String) {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            var bytes: [UInt8] = []
            for line in lines[range] {
                bytes += line
                bytes.append(0x0A)
            }
            bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        try harness.start()
        append(0..<1000, to: harness.log)
        for _ in 0..<50 where try harness.output().filter({ $0 == 0x0A }).count < 1000 {
            try await Task.sleep(for: .milliseconds(100))
        }
        // Keep the file open for writing, as a web server would, and delete it: what is written after the
        // deletion can only be read through logonym's own descriptor.
        let fd = open(harness.log, O_WRONLY | O_APPEND)
        unlink(harness.log)
        var late: [UInt8] = []
        for line in lines[1000..<2000] {
            late += line
            late.append(0x0A)
        }
        late.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
        append(2000..<3000, to: harness.log)  // a new file at the same path
        try await Task.sleep(for: .milliseconds(3500))
        #expect(harness.stop() == 0)
        let output = try harness.output()
        #expect(output == (try DaemonHarness.reference(lines)), "every line once, in order, across the deletion")
    }
}
