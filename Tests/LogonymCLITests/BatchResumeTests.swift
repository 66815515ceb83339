import Foundation
import LogonymIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Windowed batch runs (`anonymize --window`) run again over the same files (issue 13): each line exactly once,
/// whether the earlier run finished or was killed at any moment.
///
/// The fixtures `batch-{a,b,c}.log.gz` overlap in time (a window gets lines from two archives) and hold malformed,
/// empty and 20-70 KB lines (see Tests/Fixtures/README.md).
struct BatchResumeTests {
    static let archives = ["batch-a.log.gz", "batch-b.log.gz", "batch-c.log.gz"].map(CLI.fixture)

    /// A windowed run of `inputs` into `scratch`'s `out` and `state` (or other names).
    static func arguments(
        _ scratch: Scratch,
        _ inputs: [String],
        out: String = "out",
        state: String = "state",
        extra: [String] = []
    ) -> [String] {
        [
            "anonymize", "--window", "1h", "--output-dir", scratch.file(out), "--state-dir", scratch.file(state),
            "--summary", "json", "--no-progress",
        ] + extra + inputs
    }

    /// The decompressed output of each window, its parts in order.
    static func windows(_ directory: String) throws -> [String: [UInt8]] {
        var windows: [String: [UInt8]] = [:]
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        for name in names.sorted(by: DaemonHarness.segmentOrder) {
            let window = String(name.prefix { $0 != "." })
            windows[window, default: []] += try DaemonHarness.decoded(directory + "/" + name)
        }
        return windows
    }

    /// Every segment file's bytes as they are on disk.
    static func segmentFiles(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }

    /// The inputs of a JSON summary, and its batch totals.
    static func batchSummary(_ result: CLI.Result) throws -> (inputs: [[String: Any]], totals: [String: Any]) {
        let summary = try CLI.summary(result)
        let inputs = try #require(summary["inputs"] as? [[String: Any]])
        let totals = try #require(summary["batch"] as? [String: Any])
        return (inputs, totals)
    }

    static func count(_ lines: [UInt8]) -> Int { lines.count { $0 == 0x0A } }

    /// Whether two output directories hold the same lines in each window, in whatever order and parts.
    static func sameLinesByWindow(_ one: String, _ other: String) throws -> Bool {
        let sortedLines = { (windows: [String: [UInt8]]) in
            windows.mapValues {
                $0.split(separator: 0x0A).map { Array($0) }.sorted { $0.lexicographicallyPrecedes($1) }
            }
        }
        return try sortedLines(windows(one)) == sortedLines(windows(other))
    }

    @Test func aRerunOfAFinishedBatchAddsNothingAndSaysSkipped() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let first = try CLI.run(Self.arguments(scratch, Self.archives))
        #expect(first.status == 0, "\(first.stderr)")
        let (_, firstTotals) = try Self.batchSummary(first)
        #expect(firstTotals["read"] as? Int == 3)
        let before = try Self.segmentFiles(scratch.file("out/batch"))
        #expect(before.count >= 3)

        let again = try CLI.run(Self.arguments(scratch, Self.archives))
        #expect(again.status == 0, "\(again.stderr)")
        let (inputs, totals) = try Self.batchSummary(again)
        #expect(inputs.map { $0["batch"] as? String } == ["skipped", "skipped", "skipped"])
        #expect(totals["skipped"] as? Int == 3 && totals["read"] as? Int == 0)
        let decoded = try Self.archives.reduce(0) { $0 + (try DaemonHarness.decoded($1)).count }
        #expect(totals["skipped_bytes"] as? Int == decoded)
        #expect(try CLI.summary(again)["lines_read"] as? Int == 0)
        let unchanged = try Self.segmentFiles(scratch.file("out/batch")) == before
        #expect(unchanged, "segments byte for byte")

        // What the database holds of the files is keyed hashes: none of their bytes (heads, tails, addresses).
        var database = Data()
        for name in ["state.db", "state.db-wal"] {
            database += (try? Data(contentsOf: URL(fileURLWithPath: scratch.file("state/" + name)))) ?? Data()
        }
        for archive in Self.archives {
            let bytes = try DaemonHarness.decoded(archive)
            for probe in [bytes.prefix(24), bytes.suffix(24), bytes[1000..<1024]] {
                #expect(database.range(of: Data(probe)) == nil, "\(archive): \(String(decoding: probe, as: UTF8.self))")
            }
        }

        // The text summary names each file and counts them.
        var text = Self.arguments(scratch, Self.archives)
        text[text.firstIndex(of: "json")!] = "text"
        let told = try CLI.run(text)
        #expect(told.status == 0)
        #expect(told.stderr.contains("batch-a.log.gz: skipped: an earlier run read it to its end"), "\(told.stderr)")
        #expect(told.stderr.contains("batch       0 read, 0 resumed, 0 continued, 3 skipped, 0 duplicate"))
        let stillUnchanged = try Self.segmentFiles(scratch.file("out/batch")) == before
        #expect(stillUnchanged)
    }

    @Test func aFileGivenTwiceIsReadOnceWhateverItsPathOrCompression() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let archive = Self.archives[0]
        let copy = scratch.file("copy.log.gz")
        try FileManager.default.copyItem(atPath: archive, toPath: copy)
        let plain = scratch.file("plain.log")
        try Data(try DaemonHarness.decoded(archive)).write(to: URL(fileURLWithPath: plain))
        let once = try CLI.run(Self.arguments(scratch, [archive], out: "once", state: "once-state"))
        #expect(once.status == 0, "\(once.stderr)")

        let run = try CLI.run(Self.arguments(scratch, [archive, archive, copy, plain]))
        #expect(run.status == 0, "\(run.stderr)")
        let (inputs, totals) = try Self.batchSummary(run)
        #expect(inputs.map { $0["batch"] as? String } == ["read", "duplicate", "duplicate", "duplicate"])
        #expect(inputs[2]["same_as"] as? String == archive)
        #expect(totals["duplicate"] as? Int == 3)
        let same = try Self.windows(scratch.file("out/batch")) == Self.windows(scratch.file("once/batch"))
        #expect(same, "the output of one run over the archive alone")
    }

    @Test func forceReadsEverythingAgainOnPurpose() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let first = try CLI.run(Self.arguments(scratch, Self.archives))
        #expect(first.status == 0, "\(first.stderr)")
        let once = try Self.windows(scratch.file("out/batch"))

        let forced = try CLI.run(Self.arguments(scratch, Self.archives, extra: ["--force"]))
        #expect(forced.status == 0, "\(forced.stderr)")
        let (inputs, totals) = try Self.batchSummary(forced)
        #expect(inputs.map { $0["batch"] as? String } == ["read", "read", "read"])
        #expect(totals["forced"] as? Bool == true)
        let twice = try Self.windows(scratch.file("out/batch"))
        #expect(twice.keys.sorted() == once.keys.sorted())
        for (window, bytes) in once {
            let doubled = twice[window] == bytes + bytes
            #expect(doubled, "window \(window): every line twice, in a second part")
        }

        // What the forced run read is recorded too: a plain rerun adds nothing.
        let again = try CLI.run(Self.arguments(scratch, Self.archives))
        #expect(try Self.batchSummary(again).totals["skipped"] as? Int == 3)
        let unchanged = try Self.windows(scratch.file("out/batch")) == twice
        #expect(unchanged)

        let usage = try CLI.run(["anonymize", "--force", Self.archives[0], "-o", scratch.file("one.log")])
        #expect(usage.status == 2 && usage.stderr.contains("--force goes with --window"), "\(usage.stderr)")
        let help = try CLI.run(["anonymize", "--help"])
        #expect(help.stdoutText.contains("--force"))
    }

    @Test func aFileThatGrewIsContinuedFromItsEnd() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let whole = try DaemonHarness.decoded(Self.archives[1])
        let lines = whole.split(separator: 0x0A, omittingEmptySubsequences: false)
        let cut = lines.prefix(1200).reduce(0) { $0 + $1.count + 1 }
        let plain = scratch.file("access.log")
        let gzip = scratch.file("access.log.gz")
        let gzipFull = try DaemonHarness.decoded(Self.archives[2])
        let gzipCut = try #require(gzipFull[(gzipFull.count / 3)...].firstIndex(of: 0x0A)) + 1
        try Data(whole[..<cut]).write(to: URL(fileURLWithPath: plain))
        try Data(GzipMember.compress(Array(gzipFull[..<gzipCut]), level: 6)).write(to: URL(fileURLWithPath: gzip))
        let first = try CLI.run(Self.arguments(scratch, [plain, gzip]))
        #expect(first.status == 0, "\(first.stderr)")

        // Both grow: the plain file by appended lines, the gzip file by another member.
        let handle = try #require(FileHandle(forWritingAtPath: plain))
        handle.seekToEndOfFile()
        handle.write(Data(whole[cut...]))
        try handle.close()
        let member = try #require(FileHandle(forWritingAtPath: gzip))
        member.seekToEndOfFile()
        member.write(Data(GzipMember.compress(Array(gzipFull[gzipCut...]), level: 6)))
        try member.close()
        let second = try CLI.run(Self.arguments(scratch, [plain, gzip]))
        #expect(second.status == 0, "\(second.stderr)")
        let (inputs, totals) = try Self.batchSummary(second)
        #expect(inputs.map { $0["batch"] as? String } == ["continued", "continued"])
        #expect(inputs.map { $0["skipped_bytes"] as? Int } == [cut, gzipCut])
        #expect(totals["continued"] as? Int == 2)

        let clean = try CLI.run(Self.arguments(scratch, [plain, gzip], out: "clean", state: "clean-state"))
        #expect(clean.status == 0, "\(clean.stderr)")
        // The second run's lines of a window come in a second part, after both files' first lines: the same lines,
        // in another order.
        let same = try Self.sameLinesByWindow(scratch.file("out/batch"), scratch.file("clean/batch"))
        #expect(same, "the lines of one run over the grown files, window by window")
    }

    /// Found by the attack on issue 17 (older than it): a cut gzip file's last, partial line was written and the
    /// file counted as read to its end, so a rerun over the repaired file wrote that line a second time. The partial
    /// line is now dropped (`damaged`) and the file counts as read up to its start.
    @Test func aLineCutByDamageIsDroppedAndWrittenWholeByARerunOverTheRepairedFile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let full = try Data(contentsOf: URL(fileURLWithPath: Self.archives[1]))
        let gzip = scratch.file("access.log.gz")
        // Cut in the middle of the compressed data: inside a line, whatever the line lengths.
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: gzip))
        let first = try CLI.run(Self.arguments(scratch, [gzip]))
        #expect(first.status != 0 && first.stderr.contains("truncated gzip data"), "\(first.stderr)")
        let dropped = try CLI.summary(first)["dropped"] as? [String: Int]
        #expect(dropped?["damaged"] == 1, "\(String(describing: dropped))")

        try full.write(to: URL(fileURLWithPath: gzip))
        let second = try CLI.run(Self.arguments(scratch, [gzip]))
        #expect(second.status == 0, "\(second.stderr)")
        let clean = try CLI.run(Self.arguments(scratch, [gzip], out: "clean", state: "clean-state"))
        #expect(clean.status == 0, "\(clean.stderr)")
        let same = try Self.sameLinesByWindow(scratch.file("out/batch"), scratch.file("clean/batch"))
        #expect(same, "the cut run and the rerun together hold each line of the file once")
    }

    @Test func aDifferentFileWithTheSameHeadIsReadFromItsStart() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let whole = try DaemonHarness.decoded(Self.archives[0])
        let lines = whole.split(separator: 0x0A, omittingEmptySubsequences: false)
        // Both files hold the same first 100 lines (well over the 1 KiB head), then each goes its own way; the
        // second is the longer, so it has bytes at the offset the first one was committed at.
        func file(_ name: String, _ rest: Range<Int>) throws -> String {
            let bytes = lines[0..<100] + lines[rest]
            try Data(Array(bytes.joined(separator: [0x0A])) + [0x0A]).write(
                to: URL(fileURLWithPath: scratch.file(name))
            )
            return scratch.file(name)
        }
        let one = try file("one.log", 100..<600)
        let other = try file("other.log", 700..<1500)
        #expect(try CLI.run(Self.arguments(scratch, [one])).status == 0)
        let second = try CLI.run(Self.arguments(scratch, [other]))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.batchSummary(second).inputs.first?["batch"] as? String == "read")
        #expect(try CLI.summary(second)["lines_read"] as? Int == 900)
    }
}

extension BatchResumeTests {
    @Test func aLineOfMegabytesGoesToItsWindowWhole() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let line = #"192.0.2.1 - - [10/Oct/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x""#
        var text = Array((line + "\n").utf8)
        text += Array(#"192.0.2.2 - - [10/Oct/2026:10:00:01 +0000] "GET /?q="#.utf8)
        text += [UInt8](repeating: UInt8(ascii: "a"), count: 3 << 20) + Array(" 198.51.100.7 end\n".utf8)
        text += Array((line + "\n").utf8)
        let input = scratch.file("long.log")
        try Data(text).write(to: URL(fileURLWithPath: input))
        let run = try CLI.run(Self.arguments(scratch, [input], extra: ["--max-line-bytes", "4096"]))
        #expect(run.status == 0, "\(run.stderr)")
        let output = try Self.windows(scratch.file("out/batch"))
        #expect(output.keys.sorted() == ["2026-10-10T10"])
        let bytes = output["2026-10-10T10"] ?? []
        #expect(Self.count(bytes) == 3)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("198.51.100.7"))
        #expect(try CLI.summary(run)["too_long"] as? Int == 1)
    }
}
