import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The daemon down while its log rotates once, twice or three times, with the rotated files renamed, compressed
/// (by a compressor that stamps the `.gz` with the time it wrote it, or keeps the original's), copied and
/// truncated, or named by date, and the new live file on an inode number the first file had. After a restart every
/// line is in the output once.
@Suite(.serialized)
struct RotationOutageTests {
    /// How the log is rotated while the daemon is down.
    struct Schedule: CustomStringConvertible, Sendable {
        enum Step: Sendable {
            /// Rename and create, `compress` with or without `delaycompress`, or no compression.
            case rename(compress: Bool, delay: Bool)
            /// Copy to `.1` and truncate in place.
            case copytruncate
            /// Rename to a dated name (`dateext`), compressed at once.
            case dated(day: Int)
        }

        var steps: [Step]
        /// Whether the compressor keeps the original file's modification time (`gzip` does; a script, a copy or a
        /// restore from backup does not).
        var keepsTime: Bool
        var description: String { "\(steps) keepsTime: \(keepsTime)" }
    }

    static let delayed = Schedule.Step.rename(compress: true, delay: true)
    static let compressed = Schedule.Step.rename(compress: true, delay: false)
    static let renamed = Schedule.Step.rename(compress: false, delay: false)

    static let schedules: [Schedule] = [
        // The reported case: compress + delaycompress, the .gz stamped fresh, two rotations.
        Schedule(steps: [delayed, delayed], keepsTime: false),
        Schedule(steps: [delayed, delayed], keepsTime: true),
        Schedule(steps: [delayed, delayed, delayed], keepsTime: false),
        Schedule(steps: [compressed, compressed], keepsTime: false),
        Schedule(steps: [renamed, renamed], keepsTime: false),
        Schedule(steps: [.copytruncate, delayed], keepsTime: false),
        Schedule(steps: [delayed, .copytruncate], keepsTime: false),
        Schedule(steps: [.dated(day: 27), .dated(day: 28)], keepsTime: false),
    ]

    @Test(arguments: schedules)
    func everyLineIsReadOnceAfterAnOutageAcrossRotations(_ schedule: Schedule) throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: schedule.keepsTime)
        let lines = generatedLines(300 * (schedule.steps.count + 2))
        var written = 0
        func write(_ count: Int) throws {
            try world.append(lines[written..<(written + count)])
            written += count
        }
        try write(300)
        let first = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstInode = world.inode(harness.log)
        // Down: more lines in the committed file, then the rotations, each followed by lines in the new file.
        try write(150)
        for step in schedule.steps {
            try world.rotate(step)
            try write(300)
        }
        let reused = world.inode(harness.log) == firstInode
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try harness.output()
        let expected = try DaemonHarness.reference(Array(lines[..<written]))
        let got = output.split(separator: 0x0A)
        let want = expected.split(separator: 0x0A)
        #expect(
            got == want,
            "\(got.count) lines of \(want.count) (inode reused: \(reused)); files: \(world.listing()); daemon: \(result.stderr.suffix(1500))"
        )
        let copied = schedule.steps.contains { if case .copytruncate = $0 { true } else { false } }
        if !copied {
            #expect(!result.stderr.contains("truncated"), "no copytruncate happened: \(result.stderr.suffix(800))")
            #expect(try harness.recordedLosses() == 0)
        }
    }

    /// logrotate's `olddir`: the rotated files are moved to another directory (here `old/` beside the live file),
    /// where the daemon finds them after an outage across two rotations, one of them dated.
    @Test(arguments: [[delayed, delayed], [delayed, .copytruncate], [.dated(day: 27), .dated(day: 28)]])
    func rotatedFilesMovedToAnOlddirAreReadAfterAnOutage(_ steps: [Schedule.Step]) throws {
        let harness = try DaemonHarness(extraInputs: "olddir = \"old\"")
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false, olddir: "old")
        let lines = generatedLines(1200)
        try world.append(lines[0..<300])
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        try world.append(lines[300..<400])
        try world.rotate(steps[0])
        try world.append(lines[400..<700])
        try world.rotate(steps[1])
        try world.append(lines[700..<1000])
        #expect(world.paths().contains { $0.contains("/old/") }, "\(world.listing())")
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try harness.output()
        #expect(
            output == (try DaemonHarness.reference(Array(lines[..<1000]))),
            "files: \(world.listing()); daemon: \(result.stderr.suffix(1500))"
        )
        #expect(!result.stderr.contains("lost"), "\(result.stderr.suffix(800))")
    }

    @Test func rotationOrderFollowsNamesNotModificationTimes() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(1200)
        try world.append(lines[0..<300])
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        try world.append(lines[300..<400])
        try world.rotate(.rename(compress: true, delay: true))
        try world.append(lines[400..<700])
        try world.rotate(.rename(compress: true, delay: true))
        try world.append(lines[700..<1000])
        // The older rotated file touched last (a backup tool, an `ls`-happy script): names still decide.
        try world.touch(harness.log + ".2.gz", secondsAgo: -5)
        try world.touch(harness.log + ".1", secondsAgo: 60)
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try harness.output()
        #expect(output == (try DaemonHarness.reference(Array(lines[..<1000]))), "\(result.stderr.suffix(1500))")
    }
}

/// A log directory rotated by hand, the way logrotate lays it out: `access.log.1`, `access.log.2.gz`, ... or
/// `access.log-202611DD.gz`, beside the live file or, with `olddir`, in that directory (relative to the live file's).
struct LogDirectory {
    let live: String
    let keepsTime: Bool
    var olddir: String? = nil

    /// The live file's path as the rotated copies are named: `access.log` in its directory or in `olddir`.
    var rotated: String {
        guard let olddir else { return live }
        let directory = (live as NSString).deletingLastPathComponent
        return directory + "/" + olddir + "/" + (live as NSString).lastPathComponent
    }

    func append(_ lines: ArraySlice<[UInt8]>) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: live))
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(lines.flatMap { $0 + [0x0A] }))
    }

    func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    func rotate(_ step: RotationOutageTests.Schedule.Step) throws {
        let fm = FileManager.default
        try fm.createDirectory(
            atPath: (rotated as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        switch step {
        case .rename(let compress, let delay):
            shiftNumbered()
            try fm.moveItem(atPath: live, toPath: rotated + ".1")
            if compress && delay, fm.fileExists(atPath: rotated + ".2") {
                try gzip(rotated + ".2", to: rotated + ".2.gz")
            } else if compress && !delay {
                try gzip(rotated + ".1", to: rotated + ".1.gz")
            }
            // Created right after the old file's inode was freed: ext4 hands the number out again.
            _ = fm.createFile(atPath: live, contents: nil)
        case .copytruncate:
            shiftNumbered()
            try fm.copyItem(atPath: live, toPath: rotated + ".1")
            truncate(live, 0)
        case .dated(let day):
            let name = rotated + "-202611\(day)"
            try fm.moveItem(atPath: live, toPath: name)
            try gzip(name, to: name + ".gz")
            _ = fm.createFile(atPath: live, contents: nil)
        }
    }

    /// `.N` → `.N+1` and `.N.gz` → `.N+1.gz`, highest first.
    private func shiftNumbered() {
        for n in stride(from: 9, through: 1, by: -1) {
            for suffix in ["", ".gz"] where FileManager.default.fileExists(atPath: "\(rotated).\(n)\(suffix)") {
                try? FileManager.default.moveItem(
                    atPath: "\(rotated).\(n)\(suffix)",
                    toPath: "\(rotated).\(n + 1)\(suffix)"
                )
            }
        }
    }

    /// Compresses into a new file (stamped now, or with the original's time) and removes the original.
    private func gzip(_ path: String, to destination: String) throws {
        let result = try CLI.runProgram("/bin/sh", ["-c", "gzip -c '\(path)' > '\(destination)'"])
        #expect(result.status == 0, "\(result.stderr)")
        if keepsTime { _ = try CLI.runProgram("/usr/bin/touch", ["-r", path, destination]) }
        try FileManager.default.removeItem(atPath: path)
    }

    func touch(_ path: String, secondsAgo: Int) throws {
        let date = Date().addingTimeInterval(TimeInterval(-secondsAgo))
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    /// The live file and its rotated copies.
    func paths() -> [String] {
        func named(like path: String) -> [String] {
            let directory = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.filter { $0.hasPrefix(name) }.map { directory + "/" + $0 }
        }
        return Array(Set(named(like: live) + named(like: rotated))).sorted()
    }

    /// Deletes the oldest rotated file (`maxage`): the highest number, else the earliest date.
    func deleteOldestRotated() {
        let copies = paths().filter { $0 != live && $0.hasPrefix(rotated) }
        func number(_ path: String) -> Int? {
            let suffix = path.dropFirst(rotated.count + 1)
            return Int(suffix.hasSuffix(".gz") ? suffix.dropLast(3) : suffix)
        }
        let oldest =
            copies.filter { number($0) != nil }.max { number($0)! < number($1)! }
            ?? copies.filter { $0.hasPrefix(rotated + "-") }.min()
        if let oldest { try? FileManager.default.removeItem(atPath: oldest) }
    }

    func listing() -> String {
        paths().map { "\(($0 as NSString).lastPathComponent)#\(inode($0) ?? 0)" }.joined(separator: " ")
    }
}
