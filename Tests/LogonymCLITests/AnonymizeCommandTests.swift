import Foundation
import Testing

@Suite(.serialized)
struct AnonymizeCommandTests {
    @Test func helpReadsWellAndExitsZero() throws {
        let result = try CLI.run(["anonymize", "--help"])
        #expect(result.status == 0)
        for option in ["--output", "--format", "--method", "--key-file", "--on-unparsable", "--summary", "Exit codes"] {
            #expect(result.stdoutText.contains(option), "help mentions \(option)")
        }
    }

    @Test func aGzippedLogBecomesAGzippedOutputWithEveryLineAccountedFor() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = scratch.file("out.log.gz")
        let result = try CLI.run([
            "anonymize", CLI.fixture("generated-combined.log.gz"), "-o", output, "--summary", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try CLI.summary(result)
        #expect(summary["lines_read"] as? Int == 3000)
        #expect(summary["lines_written"] as? Int == 3000)
        #expect(summary["lines_dropped"] as? Int == 0)
        #expect((summary["inputs"] as? [[String: Any]])?.first?["format"] as? String == "combined")
        let zcat = try CLI.runProgram("/bin/sh", ["-c", "gzip -t '\(output)' && zcat '\(output)' | wc -l"])
        #expect(zcat.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "3000")
    }

    @Test func severalInputsGoInOrderIntoOneOutputAndStandardInputWorks() throws {
        let line = #"192.0.2.7 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "ua""#
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let first = scratch.file("a.log")
        try Data((line + "\n" + line).utf8).write(to: URL(fileURLWithPath: first))  // no final newline
        let result = try CLI.run(["anonymize", first, "-", "--summary", "none"], stdin: Data((line + "\n").utf8))
        #expect(result.status == 0)
        let expected = String(repeating: line.replacingOccurrences(of: "192.0.2.7", with: "192.0.2.0") + "\n", count: 3)
        #expect(result.stdoutText == expected, "inputs never run into each other")
    }

    @Test func aMissingInputFailsWithExitOneWhileTheOthersAreProcessed() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = scratch.file("out.log")
        let missing = scratch.file("missing.log")
        let result = try CLI.run([
            "anonymize", missing, CLI.fixture("generated-vhost.log.gz"), scratch.path, "-o", output, "--summary",
            "json",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("logonym: \(missing): no such file or directory"))
        #expect(result.stderr.contains("logonym: \(scratch.path): is a directory"))
        let summary = try CLI.summary(result)
        #expect(summary["lines_written"] as? Int == 1000)
        #expect(summary["inputs_failed"] as? Int == 2)
        #expect(try String(contentsOfFile: output, encoding: .isoLatin1).split(separator: "\n").count >= 990)
    }

    @Test func aTruncatedGzipNamesTheOffsetAndKeepsWhatDecoded() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("generated-combined.log.gz")))
        let cut = scratch.file("cut.log.gz")
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        let result = try CLI.run(["anonymize", cut, "--summary", "json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("logonym: \(cut): truncated gzip data"))
        #expect(result.stderr.contains("compressed byte offset \(whole.count / 2)"))
        let summary = try CLI.summary(result)
        let written = try #require(summary["lines_written"] as? Int)
        #expect(written > 500 && written < 3000)
        #expect(result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).count - 1 == written)
    }

    @Test(arguments: [
        (["--method", "hmac"], "--method hmac needs --key-file"),
        (["--ipv4-prefix", "33"], "--ipv4-prefix: must be 0 to 31, not 33"),
        (["--ipv6-prefix", "200"], "--ipv6-prefix: must be 0 to 127, not 200"),
        (["--ipv4-prefix", "32"], "--ipv4-prefix: must be 0 to 31, not 32: a /32 keeps the whole address"),
        (["--ipv6-prefix", "128"], "--ipv6-prefix: must be 0 to 127, not 128: a /128 keeps the whole address"),
        (["--format", "apache"], "--format: 'apache' is not a format; use one of"),
        (["--method", "rot13"], "--method: 'rot13' is not a method; use one of truncate, hmac, cryptopan"),
        (["--preset", "lax"], "--preset: 'lax' is not a preset"),
        (["--log-format", "$remote_addr$status"], "--log-format:"),
        (["--on-unparsable", "keep"], "--on-unparsable: 'keep' is not"),
        (["--no-such-flag"], "Unknown option"),
    ])
    func badOptionsExitTwoAndWriteNothing(_ arguments: [String], _ message: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = scratch.file("out.log")
        let result = try CLI.run(["anonymize", CLI.fixture("generated-vhost.log.gz"), "-o", output] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "nothing written")
    }

    @Test func keyFilesReadableByOthersAreRefusedWithTheFix() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let key = try scratch.key(mode: 0o644)
        let result = try CLI.run(
            ["anonymize", "--method", "cryptopan", "--key-file", key, "-o", scratch.file("o.log")],
            stdin: Data()
        )
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "logonym: \(key): the key file can be read by group or others; run 'chmod 600 \(key)'"
            )
        )
        let bad = scratch.file("bad.key")
        try Data("short".utf8).write(to: URL(fileURLWithPath: bad))
        chmod(bad, 0o600)
        let short = try CLI.run(["anonymize", "--method", "hmac", "--key-file", bad], stdin: Data())
        #expect(short.status == 2 && short.stderr.contains("32 raw bytes or 64 hex characters"))
    }

    @Test(arguments: ["truncate", "hmac", "cryptopan"])
    func noClientAddressOfTheInputSurvivesAnyMethod(_ method: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let key = try scratch.key()
        let input = CLI.fixture("generated-combined.log.gz")
        let plain = try CLI.runProgram("/bin/sh", ["-c", "zcat '\(input)'"]).stdoutText
        // The client column of every line that has one.
        let clients = Set(
            plain.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
                .filter { $0.contains(".") || $0.contains(":") }
        )
        let result = try CLI.run(["anonymize", input, "--method", method, "--key-file", key, "--summary", "none"])
        #expect(result.status == 0)
        let tokens = Set(
            result.stdoutText.split(whereSeparator: { !($0.isHexDigit || $0 == ":" || $0 == ".") }).map(String.init)
        )
        let leaked = clients.filter { tokens.contains($0) && !($0.hasSuffix(".0") || $0.hasSuffix("::")) }
        #expect(leaked.isEmpty, "\(leaked.prefix(5))")
    }

    @Test func jsonOutputIsOneValidObjectPerLine() throws {
        let result = try CLI.run([
            "anonymize", CLI.fixture("generated-json.log.gz"), "--output-format", "json", "--summary", "none",
        ])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: 0x0A)
        #expect(lines.count == 1000)
        var withClient = 0
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            #expect(object != nil)
            if object?["client"] != nil { withClient += 1 }
        }
        #expect(withClient >= 980)
    }

    @Test func dropCountsUnparsableLinesByReason() throws {
        let result = try CLI.run([
            "anonymize", CLI.fixture("generated-combined.log.gz"), "--on-unparsable", "drop", "--summary", "json",
        ])
        let summary = try CLI.summary(result)
        let dropped = try #require(summary["dropped"] as? [String: Int])
        let read = try #require(summary["lines_read"] as? Int)
        let written = try #require(summary["lines_written"] as? Int)
        #expect(dropped["unparsable", default: 0] > 0)
        #expect(written + dropped.values.reduce(0, +) == read)
        #expect(result.stdout.filter { $0 == 0x0A }.count == written)
    }

    @Test(
        .enabled(
            if: CLI.which("goaccess") != nil || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs goaccess (.ci/run installs it)"
        )
    )
    func goAccessParsesTruncatedOutputWithNoInvalidLines() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = scratch.file("anon.log")
        let run = try CLI.run(["anonymize", CLI.fixture("clean-combined.log.gz"), "-o", output, "--summary", "none"])
        #expect(run.status == 0)
        let general = try CLI.goAccessSummary(output, ["--log-format=COMBINED"], scratch: scratch)
        #expect(general["total_requests"] as? Int == 2000)
        #expect(general["failed_requests"] as? Int == 0)
    }
}

struct AnonymizeFixtureTests {
    @Test func theAddressFormsFixtureComesOutExactlyAsExpectedThroughTheBinary() throws {
        let result = try CLI.run([
            "anonymize", CLI.fixture("address-forms.log"), "--format", "nginx-main", "--method", "truncate",
            "--ipv4-prefix", "24", "--ipv6-prefix", "48", "--summary", "none",
        ])
        #expect(result.status == 0)
        let expected = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("address-forms.expected.log")))
        #expect(result.stdout == expected)
    }

    @Test func aReadErrorIsNamedAndTheRunGoesOn() throws {
        let result = try CLI.run([
            "anonymize", "/proc/self/mem", CLI.fixture("generated-vhost.log.gz"), "--summary", "none",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("logonym: /proc/self/mem: read failed"))
        #expect(result.stdout.filter { $0 == 0x0A }.count == 1000)
    }
}

struct OutputPathTests {
    /// `-o` writes a regular file under a temporary name and renames it; anything else that exists (a named pipe,
    /// `/dev/null`) is written directly and never replaced.
    @Test func aNamedPipeAsOutputIsWrittenNotReplaced() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let fifo = scratch.file("out.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = scratch.file("received.log")
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat '\(fifo)' > '\(received)'"]
        try reader.run()
        let run = try CLI.run(
            ["anonymize", "--format", "combined", "--summary", "none", "-o", fifo],
            stdin: Data(generatedLines(10).flatMap { $0 + [0x0A] })
        )
        reader.waitUntilExit()
        #expect(run.status == 0, "\(run.stderr)")
        var info = stat()
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO, "still a named pipe")
        let text = try String(contentsOfFile: received, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 10)
    }

    /// The state directory and its database are readable by their owner only, whatever the umask (022 here).
    @Test func theStateIsClosedToOtherUsersWhateverTheUmask() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let state = scratch.file("deep/state")
        let result = try CLI.runProgram(
            "/bin/sh",
            [
                "-c",
                "umask 022 && '\(CLI.binary)' anonymize '\(CLI.fixture("generated-combined.log.gz"))' --window 1h "
                    + "--output-dir '\(scratch.file("out"))' --state-dir '\(state)' --summary none",
            ]
        )
        #expect(result.status == 0, "\(result.stderr)")
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try mode(state) == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: state) where name.hasPrefix("state.db") {
            #expect(try mode(state + "/" + name) == 0o600, "\(name)")
        }
    }
}
