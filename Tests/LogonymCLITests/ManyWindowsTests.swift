import Foundation
import Testing

/// Logs that touch many windows, and the edges of gzip output.
struct ManyWindowsTests {
    /// One line an hour over 125 days (3,000 windows) under a limit of 256 open files: the batch closes its segments'
    /// descriptors between commits, and commits before the windows' sketches add up. Every line is written once.
    @Test func aBatchOverThousandsOfWindowsStaysUnderTheFileLimit() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let start = 1_893_456_000
        var text = ""
        for hour in 0..<3_000 {
            text +=
                "198.51.100.\(hour % 250) - - [\(RetentionTests.logTime(start + hour * 3600))] \"GET /h\(hour) HTTP/1.1\" 200 5 \"-\" \"x\"\n"
        }
        let log = scratch.file("hours.log")
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let command =
            "ulimit -n 256 && exec '\(CLI.binary)' anonymize --window 1h --output-dir '\(scratch.file("out"))' --state-dir '\(scratch.file("state"))' --summary none '\(log)'"
        let run = try CLI.runProgram("/bin/sh", ["-c", command])
        #expect(run.status == 0, "\(run.stderr.suffix(300))")
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/batch"))
        #expect(names.count == 3_000)
        var lines = 0
        for name in names { lines += try DaemonHarness.decoded(scratch.file("out/batch/" + name)).count { $0 == 0x0A } }
        #expect(lines == 3_000)
    }

    /// No line at all still makes a gzip file `gzip -t` accepts.
    @Test(.enabled(if: CLI.which("gzip") != nil, "needs gzip"))
    func anEmptyInputMakesAValidGzipFile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let empty = scratch.file("empty.log")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let output = scratch.file("out.log.gz")
        #expect(try CLI.run(["anonymize", empty, "-o", output, "--summary", "none"]).status == 0)
        #expect(try CLI.runProgram(try #require(CLI.which("gzip")), ["-t", output]).status == 0)
    }
}
