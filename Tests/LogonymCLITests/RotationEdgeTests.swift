import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Cases from an attack on the daemon's file tracking (issue 13), each of which once lost lines, reported a loss
/// that did not happen, or stayed silent about one that did.
@Suite(.serialized)
struct RotationEdgeTests {
    static func once(_ harness: DaemonHarness) throws -> CLI.Result {
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        return result
    }

    static func states(_ harness: DaemonHarness) throws -> [String] {
        try DaemonHarness.query(harness.root + "/state") {
            try String.fetchAll($0, sql: "SELECT state FROM files ORDER BY id")
        }
    }

    /// A line too long to hold whose newline came in a later read left a wrong tail hash: the next start could not
    /// find the live file, called it lost, and never followed it again.
    @Test func aSkippedOverlongLineKeepsTheFileFollowedAcrossRestarts() throws {
        let harness = try DaemonHarness(anonymizeExtra: "max_line_bytes = 256")
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(10)
        try world.append(lines[0..<5])
        try world.append([Array(repeating: UInt8(ascii: "x"), count: 300_000)][...])
        _ = try Self.once(harness)
        try world.append(lines[5..<7])
        _ = try Self.once(harness)
        try world.append(lines[7..<10])
        let last = try Self.once(harness)
        #expect(try harness.output() == (try DaemonHarness.reference(lines)), "\(last.stderr.suffix(800))")
        #expect(try harness.recordedLosses() == 0)
    }

    /// The live file was committed as `drained` (rotated and read to its end) on a first run, so its loss to two
    /// quick rotations while logonym was down went unreported.
    @Test func aLiveFileIsNeverCommittedAsDrained() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(12)
        try world.append(lines[0..<5])
        _ = try Self.once(harness)
        #expect(try Self.states(harness) == ["reading"])
        // Two renames onto the same `.1`: the file with lines 5-7 is overwritten before logonym reads them.
        try world.append(lines[5..<8])
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try world.appendCreating(lines[8..<10])
        try FileManager.default.removeItem(atPath: harness.log + ".1")
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try world.appendCreating(lines[10..<12])
        _ = try Self.once(harness)
        #expect(try harness.recordedLossReasons() == ["removed before it was read to its end"])
    }

    /// A rotated file that its writer still appends to (no file after it has data yet) is not committed as read to
    /// its end and let go in silence: deleted while logonym is down, what it got after the commit is recorded as lost.
    @Test func aRotatedFileStillWrittenToIsNotDrained() async throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let rotated = LogDirectory(live: harness.log + ".1", keepsTime: false)
        let lines = generatedLines(10)
        try LogDirectory(live: harness.log, keepsTime: false).append(lines[0..<5])
        try harness.start()
        try await Task.sleep(for: .milliseconds(700))
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try await Task.sleep(for: .milliseconds(1500))
        try rotated.append(lines[5..<7])
        try await Task.sleep(for: .milliseconds(1500))
        harness.stop(signal: SIGKILL)
        try rotated.append(lines[7..<10])
        try FileManager.default.removeItem(atPath: harness.log + ".1")
        _ = try Self.once(harness)
        #expect(
            try harness.recordedLossReasons() == [
                "deleted after it was read to its end: anything written to it later is lost"
            ]
        )
    }

    /// With `start_at = "end"`, the files that appear after the first scan (a rotation) are read from their start.
    @Test func startAtEndSkipsOnlyTheBacklogFoundFirst() async throws {
        let harness = try DaemonHarness(extraInputs: #"start_at = "end""#)
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(14)
        try world.append(lines[0..<5])
        try harness.start()
        try await Task.sleep(for: .milliseconds(800))
        try world.append(lines[5..<8])
        try await Task.sleep(for: .milliseconds(500))
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try world.appendCreating(lines[8..<12])
        try await Task.sleep(for: .milliseconds(2500))
        try world.append(lines[12..<14])
        try await Task.sleep(for: .milliseconds(1500))
        harness.stop()
        #expect(try harness.output() == (try DaemonHarness.reference(Array(lines[5...]))), "\(harness.daemonLogTail())")
    }

    /// A rotated file's last line without its newline is a line when the file is let go.
    @Test func theUnterminatedLastLineOfARotatedFileIsWritten() async throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(6)
        try world.append(lines[0..<3])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: harness.log))
        handle.seekToEndOfFile()
        try handle.write(contentsOf: Data(lines[3]))
        try handle.close()
        try harness.start()
        try await Task.sleep(for: .milliseconds(600))
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try world.appendCreating(lines[4..<6])
        try await Task.sleep(for: .milliseconds(3500))
        harness.stop()
        #expect(try harness.output() == (try DaemonHarness.reference(lines)), "\(harness.daemonLogTail())")
    }

    /// A glob that also matches the rotated names (`access.log*`) reads them as part of the live file's chain, once
    /// (the `.gz` of a file being read was followed as a chain of its own, and its lines came out twice).
    @Test func aGlobThatMatchesRotatedNamesReadsEachLineOnce() async throws {
        let harness = try DaemonHarness(paths: "logs/access.log*")
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(12)
        try world.append(lines[0..<5])
        try harness.start()
        try await Task.sleep(for: .milliseconds(700))
        try world.append(lines[5..<7])
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try world.appendCreating(lines[7..<9])
        try await Task.sleep(for: .milliseconds(700))
        // Compressed while logonym follows both names (as delaycompress does at the next rotation).
        let gzip = try CLI.runProgram("/bin/sh", ["-c", "gzip -c '\(harness.log).1' > '\(harness.log).1.gz'"])
        #expect(gzip.status == 0)
        try await Task.sleep(for: .milliseconds(700))
        try FileManager.default.removeItem(atPath: harness.log + ".1")
        try world.append(lines[9..<12])
        try await Task.sleep(for: .milliseconds(3000))
        harness.stop()
        #expect(try harness.output() == (try DaemonHarness.reference(lines)), "\(harness.daemonLogTail())")
    }

    /// A damaged `.gz` of the committed file: what it cannot give is recorded as lost, not let go in silence.
    @Test func aDamagedCompressedCopyIsRecordedAsALoss() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(420)
        try world.append(lines[0..<200])
        _ = try Self.once(harness)
        try world.append(lines[200..<400])
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        let log = harness.log
        let cut = [
            "gzip -c '\(log).1' > '\(log).whole.gz'",
            "head -c $(( $(stat -c %s '\(log).whole.gz') * 3 / 4 )) '\(log).whole.gz' > '\(log).1.gz'",
            "rm '\(log).whole.gz' '\(log).1'", "touch -d '-1 min' '\(log).1.gz'",
        ].joined(separator: " && ")
        #expect(try CLI.runProgram("/bin/sh", ["-c", cut]).status == 0)
        try world.appendCreating(lines[400..<420])
        let result = try Self.once(harness)
        let reasons = try harness.recordedLossReasons()
        #expect(
            reasons.contains { $0.hasPrefix("damaged gzip") || $0.hasPrefix("removed") },
            "\(result.stderr.suffix(600))"
        )
        let output = try harness.output().split(separator: 0x0A)
        let want = try DaemonHarness.reference(lines).split(separator: 0x0A)
        #expect(Array(output.prefix(200)) == Array(want.prefix(200)))
        #expect(Array(output.suffix(20)) == Array(want.suffix(20)))
        #expect(Set(output).count == output.count, "nothing doubled")
    }

    /// A backup or another log that shares the live file's name (`access.log.bak`, `access.log.json`) is not a
    /// rotated file; a rotated file compressed with xz is reported lost, not read as text.
    @Test func onlyNamesLogrotateGivesAreReadAsRotatedFiles() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let lines = generatedLines(8)
        try world.append(lines[0..<3])
        _ = try Self.once(harness)
        try world.append(lines[3..<4])
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        try world.appendCreating(lines[4..<6])
        try FileManager.default.copyItem(atPath: harness.log, toPath: harness.log + ".bak")
        try Data("{\"not\": \"this log\"}\n".utf8).write(to: URL(fileURLWithPath: harness.log + ".json"))
        _ = try Self.once(harness)
        #expect(try harness.output() == (try DaemonHarness.reference(Array(lines[..<6]))))
        guard let xz = CLI.which("xz") else {
            CLI.skipped("the xz-compressed rotation", needs: "xz (Debian xz-utils)")
            return
        }
        // Line 6 unread when its file is rotated and compressed with xz (no delaycompress) while logonym is down.
        try world.append(lines[6..<7])
        try FileManager.default.removeItem(atPath: harness.log + ".1")
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        _ = try CLI.runProgram(xz, [harness.log + ".1"])
        try world.appendCreating(lines[7..<8])
        let result = try Self.once(harness)
        #expect(try harness.output() == (try DaemonHarness.reference(Array(lines[..<6]) + [lines[7]])))
        #expect(
            try harness.recordedLossReasons().contains { $0.hasPrefix("compressed in a format") },
            "\(result.stderr.suffix(600))"
        )
    }

    /// A file committed while its first line had not ended: masked, its first words (`\0 - - [`) are those of every
    /// file of the server, so they must not be taken for its identity, or the new file after a rotation while logonym
    /// was down is resumed as the committed one and the rotated file is never read (an attack found this: 259 lines
    /// lost in the rotation-with-kills test under load).
    @Test func aFileCommittedInsideItsFirstLineIsNotTakenForTheNextOne() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let lines = generatedLines(3)
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: harness.log))
        handle.write(Data(lines[0].prefix(30)))
        try handle.close()
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        let rest = try FileHandle(forWritingTo: URL(fileURLWithPath: harness.log))
        rest.seekToEndOfFile()
        rest.write(Data(Array(lines[0].dropFirst(30)) + [0x0A] + lines[1] + [0x0A]))
        try rest.close()
        try world.rotate(.rename(compress: false, delay: false))
        try world.append(lines[2...])
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try harness.output() == (try DaemonHarness.reference(lines)), "\(result.stderr.suffix(1200))")
    }

    /// A writer that opens the log by name can recreate it between logrotate's rename and its `create`; logrotate
    /// then renames that file `access.log-YYYYMMDDHH.backup`. Its lines are read, in time order (a loaded full test
    /// run lost 99 lines this way).
    @Test func logrotatesBackupOfARecreatedLogIsRead() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let lines = generatedLines(300)
        let world = LogDirectory(live: harness.log, keepsTime: false)
        try world.append(lines[0..<100])
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + ".1")
        _ = FileManager.default.createFile(atPath: harness.log, contents: nil)
        try world.append(lines[100..<200])
        try world.touch(harness.log + ".1", secondsAgo: 5)
        try FileManager.default.moveItem(atPath: harness.log, toPath: harness.log + "-2026113014.backup")
        try world.touch(harness.log + "-2026113014.backup", secondsAgo: 3)
        _ = FileManager.default.createFile(atPath: harness.log, contents: nil)
        try world.append(lines[200..<300])
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try harness.output() == (try DaemonHarness.reference(lines)), "\(result.stderr.suffix(1200))")
    }

    /// Health-check traffic: every line the same but its time (JSON with seconds since the epoch, IIS W3C with a
    /// date and an hour), from one load balancer's address. Masking must not take the times away, or the new file
    /// after a rotation is taken for the one read before and skipped (an attack on issue 14's masks found this).
    @Test(arguments: ["json", "w3c"])
    func filesThatDifferOnlyByTheirTimesAreToldApart(_ format: String) throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let config = try String(contentsOfFile: harness.config, encoding: .utf8)
        try config.replacingOccurrences(of: "format = \"combined\"", with: "format = \"\(format)\"")
            .write(toFile: harness.config, atomically: true, encoding: .utf8)
        func lines(from start: Int, count: Int) -> [[UInt8]] {
            (0..<count).map { i in
                let t = start + i
                if format == "json" {
                    return Array(
                        #"{"ts":\#(t),"remote_addr":"10.1.1.1","request":"GET /healthz HTTP/1.1","status":200}"#.utf8
                    )
                }
                let date = Date(timeIntervalSince1970: TimeInterval(t))
                let formatter = DateFormatter()
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
                return Array(
                    "\(formatter.string(from: date)) 10.0.0.5 GET /healthz - 443 - 10.1.1.1 kube-probe/1.29 - 200 0 0 1"
                        .utf8
                )
            }
        }
        let world = LogDirectory(live: harness.log, keepsTime: false)
        let start = 1_795_773_600
        let header =
            format == "w3c"
            ? [
                Array(
                    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
                        .utf8
                )
            ] : []
        try world.append((header + lines(from: start, count: 60))[...])
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        try world.rotate(.rename(compress: false, delay: false))
        try world.append((header + lines(from: start + 3600, count: 100))[...])
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try harness.output().split(separator: 0x0A).filter { !$0.starts(with: Array("#".utf8)) }
        #expect(written.count == 160, "\(result.stderr.suffix(1200))")
    }

    /// A file whose first line is longer than the 4 KiB a fingerprint is first read from, and mostly a query string
    /// (its masked form there is a few bytes and no whole line): it is still found after it was renamed and
    /// compressed while logonym was down.
    @Test func aFileWhoseFirstLineIsLongIsFoundAgainCompressed() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        var lines = generatedLines(200)
        let long = String(repeating: "/segment", count: 800)
        lines[0] = Array(
            #"198.51.100.7 - - [10/Oct/2026:10:15:36 +0000] "GET /search?q=\#(long) HTTP/1.1" 200 5 "-" "curl/8""#.utf8
        )
        let world = LogDirectory(live: harness.log, keepsTime: false)
        try world.append(lines[0..<100])
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        try world.append(lines[100..<150])
        try world.rotate(.rename(compress: true, delay: false))
        try world.append(lines[150..<200])
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try harness.output() == (try DaemonHarness.reference(lines)), "\(result.stderr.suffix(1200))")
    }
}

extension LogDirectory {
    /// Appends to the live file, creating it (after a rename).
    func appendCreating(_ lines: ArraySlice<[UInt8]>) throws {
        if !FileManager.default.fileExists(atPath: live) {
            _ = FileManager.default.createFile(atPath: live, contents: nil)
        }
        try append(lines)
    }
}
