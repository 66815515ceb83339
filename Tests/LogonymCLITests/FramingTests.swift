import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One contract for cutting lines, whatever the source and however its bytes arrive: `logonym pipe` fed in pieces
/// of every size, syslog datagrams holding several lines, `anonymize -`. A line longer than the hold limit is counted
/// once and no piece of it is written; the counters equal the lines in the output.
@Suite(.serialized)
struct FramingTests {
    /// 60 lines, one of them (the 20th) longer than the hold limit (4 × `max_line_bytes` = 4 × 1024), one with CR LF.
    static func lines() -> (all: [[UInt8]], kept: [[UInt8]]) {
        var all = generatedLines(60)
        let overlong = String(repeating: "a", count: 6000)
        let request = #""GET /\#(overlong) HTTP/1.1" 200 1 "-" "x""#
        all[19] = Array("198.51.100.7 - - [10/Oct/2026:11:00:00 +0000] \(request)".utf8)
        all[30] += [0x0D]
        var kept = all
        kept.remove(at: 19)
        return (all, kept)
    }

    static func harness(_ extraInputs: String) throws -> DaemonHarness {
        try DaemonHarness(extraInputs: extraInputs, anonymizeExtra: "max_line_bytes = 1024")
    }

    /// The lines, the last one without its newline (a line when its source ends).
    static func text(_ lines: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = lines.flatMap { $0 + [0x0A] }
        bytes.removeLast()
        return bytes
    }

    /// Writes the bytes in pieces of `piece` bytes (small pieces with pauses, so that reads see them apart), then
    /// closes the pipe.
    static func feed(_ bytes: [UInt8], in piece: Int, to pipe: Pipe) throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            try pipe.fileHandleForWriting.write(contentsOf: Data(Array(bytes[offset..<end])))
            offset = end
            if piece < 200 && offset % 2000 < piece { usleep(1000) }
        }
        try pipe.fileHandleForWriting.close()
    }

    /// The input's totals as `stats --json` gives them.
    static func totals(_ harness: DaemonHarness) throws -> [String: Any] {
        let stats = try CLI.run(["stats", "--config", harness.config, "--json"])
        return try #require(try CLI.jsonObject(stats.stdout)["totals"] as? [String: Any])
    }

    @Test(arguments: [1, 7, 100, 1023, 4097, 65_536])
    func thePipeCutsTheSameLinesWhateverTheReadSizes(_ piece: Int) throws {
        let harness = try Self.harness(
            """
            [[input]]
            name = "apache"
            type = "pipe"
            format = "combined"
            """
        )
        defer { harness.cleanup() }
        let (all, kept) = Self.lines()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["pipe", "--config", harness.config, "--input", "apache"]
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        let log = harness.root + "/pipe.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        // A pipe that ended early must fail the test, not kill it.
        signal(SIGPIPE, SIG_IGN)
        try process.run()
        try Self.feed(Self.text(all), in: piece, to: stdin)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let output = try harness.output(input: "apache")
        #expect(output == (try DaemonHarness.reference(kept)), "piece \(piece)")
        let text = String(decoding: output, as: UTF8.self)
        #expect(!text.contains(String(repeating: "a", count: 100)), "no piece of the overlong line is written")
        let totals = try Self.totals(harness)
        #expect(totals["lines_written"] as? Int == kept.count)
        #expect(totals["lines_read"] as? Int == all.count)
        #expect(totals["lines_dropped"] as? Int == 1)
    }

    /// `anonymize -` reads standard input to its end with the batch contract (an overlong line is scrubbed in pieces
    /// and written): the same output and counters whatever the read sizes.
    @Test(arguments: [1, 7, 100, 1023, 4097, 65_536])
    func anonymizeReadsStandardInputTheSameWhateverTheReadSizes(_ piece: Int) throws {
        let (all, _) = Self.lines()
        let bytes = Self.text(all)
        let arguments = ["anonymize", "-", "--format", "combined", "--max-line-bytes", "1024", "--summary", "json"]
        let whole = try CLI.run(arguments, stdin: Data(bytes))
        let directory = NSTemporaryDirectory() + "logonym-framing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        let stdin = Pipe()
        process.standardInput = stdin
        _ = FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/err"))
        signal(SIGPIPE, SIG_IGN)
        try process.run()
        try Self.feed(bytes, in: piece, to: stdin)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let output = try Data(contentsOf: URL(fileURLWithPath: directory + "/out"))
        #expect(output == whole.stdout, "piece \(piece)")
        let stderr = try String(contentsOfFile: directory + "/err", encoding: .utf8)
        let summary = try CLI.summary(CLI.Result(status: 0, stdout: Data(), stderr: stderr))
        #expect(summary["lines_written"] as? Int == all.count)
        #expect(output.count { $0 == 0x0A } == all.count)
    }

    @Test func aDatagramHoldingSeveralLinesGivesSeveralLines() async throws {
        let socket = NSTemporaryDirectory() + "logonym-framing-\(UUID().uuidString.prefix(6)).sock"
        let harness = try Self.harness(
            """
            [[input]]
            name = "syslog"
            type = "syslog"
            socket = "\(socket)"
            format = "combined"
            """
        )
        defer { harness.cleanup() }
        try harness.start()
        let (_, kept) = Self.lines()
        var waited = 0
        while !FileManager.default.fileExists(atPath: socket) && waited < 100 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        // One line per datagram, then three lines in one, then a last one with CR LF and a trailing newline.
        var datagrams: [[UInt8]] = kept[0..<50].map { Array("<190>Oct 10 11:00:00 web nginx: ".utf8) + $0 }
        let header = Array("<190>Oct 10 11:00:00 web nginx: ".utf8)
        datagrams.append(header + kept[50] + [0x0A] + kept[51] + [0x0A] + kept[52])
        datagrams.append(header + kept[53] + [0x0A])
        for datagram in datagrams { try Self.send(datagram, to: socket) }
        let expected = try DaemonHarness.reference(Array(kept[0..<54]))
        var output: [UInt8] = []
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            output = try harness.output(input: "syslog")
            if output.count >= expected.count { break }
        }
        harness.stop()
        #expect(output == expected)
        let totals = try Self.totals(harness)
        #expect(totals["lines_written"] as? Int == 54)
        #expect(totals["lines_read"] as? Int == 54)
    }

    static func send(_ datagram: [UInt8], to path: String) throws {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                datagram.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, 0, sockaddrPointer, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        #expect(sent == datagram.count, "sendto: errno \(errno)")
    }
}
