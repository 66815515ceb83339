import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A windowed batch over gzip archives killed (SIGKILL) at seeded random moments, at the first commits and between
/// the last segment fsync and its database commit, then rerun until it finishes (issue 13): the output equals one
/// clean run line for line, window by window, and so do the stats. `LOGONYM_BATCH_KILL_SEED` replays a seed.
struct BatchKillTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["LOGONYM_BATCH_KILL_SEED"] ?? "") ?? 13

    /// SplitMix64: the kill times of a seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One run of `logonym`, killed after `delay` seconds (if it still runs then); returns whether it was killed.
    static func run(_ arguments: [String], environment: [String: String], killAfter delay: Double?) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let delay {
            usleep(useconds_t(delay * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        let killed = process.terminationReason == .uncaughtSignal
        #expect(killed || process.terminationStatus == 0, "exit status \(process.terminationStatus)")
        return killed
    }

    /// `stats` totals that must agree with the output: lines read and written, bytes out.
    static func totals(_ state: String) throws -> [Int?] {
        let result = try CLI.run(["stats", "--state-dir", state, "--json"])
        let totals = try #require(try CLI.jsonObject(result.stdout)["totals"] as? [String: Any])
        return ["lines_read", "lines_written", "bytes_out"].map { totals[$0] as? Int }
    }

    /// Inputs the state database says were left inside (committed part way): what the next run resumes.
    static func interrupted(_ state: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: state + "/state.db") else { return 0 }
        return try DaemonHarness.query(state) {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM batch_files WHERE finished = 0 AND offset > 0") ?? 0
        }
    }

    @Test func killedAtRandomMomentsAndRerunUntilDoneEqualsOneCleanRun() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let key = try scratch.key()
        // hmac under keys derived from one master: the same pseudonyms in both state directories. Lines over
        // 16 KiB go through the long-line path; commits come every 16 KiB of output instead of every 8 MiB.
        let extra = ["--method", "hmac", "--key-file", key, "--max-line-bytes", "16384", "--summary", "none"]
        let environment = ["LOGONYM_COMMIT_BYTES": "16384"]
        let archives = BatchResumeTests.archives
        let clock = ContinuousClock()
        let started = clock.now
        let clean = try CLI.run(
            BatchResumeTests.arguments(scratch, archives, out: "clean", state: "clean-state", extra: extra),
            environment: environment
        )
        #expect(clean.status == 0, "\(clean.stderr)")
        let (seconds, attoseconds) = (clock.now - started).components
        let cleanSeconds = Double(seconds) + Double(attoseconds) / 1e18

        let arguments = BatchResumeTests.arguments(scratch, archives, extra: extra)
        var random = SplitMix64(state: Self.seed)
        var history: [String] = []
        var kills = 0
        var resumable = 0
        func attempt(
            _ what: String,
            after delay: Double?,
            crashAt point: String? = nil,
            commitBytes: String? = nil
        ) throws -> Bool {
            var env = environment
            if let point { env["LOGONYM_CRASH_AT"] = point }
            if let commitBytes { env["LOGONYM_COMMIT_BYTES"] = commitBytes }
            let killed = try Self.run(arguments, environment: env, killAfter: delay)
            let inside = killed ? try Self.interrupted(scratch.file("state")) : 0
            history.append("\(what): \(killed ? "killed" : "finished")\(inside > 0 ? ", an input left part way" : "")")
            if killed { kills += 1 }
            if inside > 0 { resumable += 1 }
            return !killed
        }
        // Very early (before the database or the first segment exists); at the n-th commit, between its fsync and
        // its transaction; at the end of a run through all the rest without a commit on the way (every line
        // written and fsynced, nothing recorded); then at random moments until a run finishes.
        var done = try attempt("after 1 ms", after: 0.001)
        let commit = Int.random(in: 1...12, using: &random)
        done = try attempt("at commit \(commit)", after: nil, crashAt: "batch-segments-synced@\(commit)")
        done = try attempt(
            "at the last commit",
            after: nil,
            crashAt: "batch-last-synced",
            commitBytes: String(1 << 40)
        )
        for _ in 0..<8 where !done {
            let fraction = Double.random(in: 0.05...0.6, using: &random)
            done = try attempt(String(format: "after %.0f%%", fraction * 100), after: cleanSeconds * fraction)
        }
        if !done { done = try attempt("to the end", after: nil) }
        #expect(done, "seed \(Self.seed): \(history)")
        #expect(kills >= 3, "seed \(Self.seed): \(history)")
        #expect(resumable >= 2, "kills inside an input, resumed from there: seed \(Self.seed): \(history)")
        print("BatchKillTests seed \(Self.seed): \(history.joined(separator: "; "))")

        let want = try BatchResumeTests.windows(scratch.file("clean/batch"))
        let got = try BatchResumeTests.windows(scratch.file("out/batch"))
        #expect(got.keys.sorted() == want.keys.sorted(), "seed \(Self.seed): \(history)")
        for (window, bytes) in want {
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            let gotLines = (got[window] ?? []).split(separator: 0x0A, omittingEmptySubsequences: false)
            let first = zip(lines, gotLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            let same = gotLines == lines
            #expect(
                same,
                "seed \(Self.seed), window \(window): \(gotLines.count) lines, want \(lines.count); first difference at line \(first ?? min(lines.count, gotLines.count)); \(history)"
            )
        }
        #expect(try Self.totals(scratch.file("state")) == Self.totals(scratch.file("clean-state")))

        // And once finished, a rerun adds nothing.
        let before = try BatchResumeTests.segmentFiles(scratch.file("out/batch"))
        #expect(try attempt("again", after: nil))
        let unchanged = try BatchResumeTests.segmentFiles(scratch.file("out/batch")) == before
        #expect(unchanged)
    }
}
