import Foundation
import Testing

@Suite(.serialized)
struct VerifyCommandTests {
    /// Addresses planted in anonymized output, by the 1-based line they are added to; none may be printed.
    static let planted: [(line: Int, text: String)] = [
        (5, " from 81.2.69.7"),
        (100, " \"GET /?ip=81%2E2%2E69%2E7 HTTP/1.1\""),
        (2999, " via [2a02:cf40:1:2::5]:443"),
    ]
    static let plantedLines = planted.map(\.line)

    /// Runs `anonymize` over the combined fixture into `name` under `method`.
    private func anonymize(_ method: String, to name: String, scratch: Scratch) throws -> String {
        let output = scratch.file(name)
        var arguments = ["anonymize", CLI.fixture("generated-combined.log.gz"), "-o", output, "--summary", "none"]
        arguments += ["--method", method]
        if method != "truncate" { arguments += ["--key-file", try scratch.key()] }
        let result = try CLI.run(arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return output
    }

    /// A plain and a gzip copy of a plain file with the planted addresses added to their lines.
    private func doctor(_ path: String, scratch: Scratch) throws -> (plain: String, gzip: String) {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var lines = original.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (line, text) in Self.planted { lines[line - 1].append(contentsOf: Data(text.utf8)) }
        let plain = scratch.file("doctored.log")
        try Data(lines.joined(separator: [0x0A])).write(to: URL(fileURLWithPath: plain))
        let gzip = scratch.file("doctored-copy.log.gz")
        let zipped = try CLI.runProgram("/bin/sh", ["-c", "gzip -c '\(plain)' > '\(gzip)'"])
        try #require(zipped.status == 0)
        return (plain, gzip)
    }

    /// Says whether any planted address text, raw or encoded, shows in what logonym printed.
    private func leaksPlantedText(_ result: CLI.Result) -> Bool {
        let printed = result.stdoutText + result.stderr
        return ["81.2.69.7", "81%2E2%2E69%2E7", "2a02:cf40:1:2::5", "2a02:cf40"].contains { printed.contains($0) }
    }

    private func files(_ result: CLI.Result) throws -> [[String: Any]] {
        try #require(try CLI.jsonObject(result.stdout)["files"] as? [[String: Any]])
    }

    @Test func helpReadsWellAndExitsZero() throws {
        let result = try CLI.run(["verify", "--help"])
        #expect(result.status == 0)
        let mentions = [
            "--method", "--preset", "--config", "--json", "240.0.0.0/5", "cryptopan", "Examples", "Exit codes",
        ]
        for text in mentions {
            #expect(result.stdoutText.contains(text), "help mentions \(text)")
        }
        let root = try CLI.run(["--help"])
        #expect(root.stdoutText.contains("verify"), "listed among the commands")
    }

    @Test(arguments: ["truncate", "hmac"])
    func anonymizedOutputIsCleanUnderItsMethod(_ method: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = try anonymize(method, to: "out.log.gz", scratch: scratch)
        let text = try CLI.run(["verify", "--method", method, output])
        #expect(text.status == 0, "\(text.stdoutText)\(text.stderr)")
        let described = method == "truncate" ? "truncate /24 /48" : "hmac"
        let expected = "\(output): 3000 lines, 0 findings\ntotal: 1 file, 3000 lines, 0 findings (\(described))\n"
        #expect(text.stdoutText == expected)
        let json = try CLI.run(["verify", "--method", method, "--json", output])
        #expect(json.status == 0)
        let totals = try #require(try CLI.jsonObject(json.stdout)["totals"] as? [String: Any])
        #expect(totals["findings"] as? Int == 0)
        #expect(totals["lines"] as? Int == 3000)
    }

    @Test(arguments: ["truncate", "hmac"])
    func plantedAddressesAreFoundOnExactlyTheirLines(_ method: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = try anonymize(method, to: "out.log", scratch: scratch)
        let (plain, gzip) = try doctor(output, scratch: scratch)
        let json = try CLI.run(["verify", "--method", method, "--json", plain, gzip])
        #expect(json.status == 1)
        for file in try files(json) {
            #expect(file["finding_lines"] as? [Int] == Self.plantedLines, "\(file["path"] ?? "")")
            #expect(file["findings"] as? Int == 3)
            #expect(file["lines"] as? Int == 3000)
        }
        let text = try CLI.run(["verify", "--method", method, gzip])
        #expect(text.status == 1)
        #expect(text.stdoutText.hasPrefix("\(gzip): 3000 lines, 3 findings on lines 5, 100, 2999\n"))
        #expect(!leaksPlantedText(json) && !leaksPlantedText(text), "no address and no line content is printed")
    }

    @Test func directoriesAreWalkedForLogFilesInOrder() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = try anonymize("truncate", to: "out.log", scratch: scratch)
        let (plain, gzip) = try doctor(output, scratch: scratch)
        let tree = scratch.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/site/deeper", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: gzip, toPath: tree + "/site/deeper/2026-11-27T10.log.gz")
        try FileManager.default.copyItem(atPath: plain, toPath: tree + "/site/2026-11-27T09.log")
        try FileManager.default.copyItem(atPath: plain, toPath: tree + "/site/notes.txt")
        let result = try CLI.run(["verify", "--json", tree])
        #expect(result.status == 1)
        let paths = try files(result).map { $0["path"] as? String }
        #expect(paths == [tree + "/site/2026-11-27T09.log", tree + "/site/deeper/2026-11-27T10.log.gz"])
        #expect(try files(result).allSatisfy { $0["finding_lines"] as? [Int] == Self.plantedLines })
    }

    @Test func jsonHasOneObjectWithFilesTotalsAndMethod() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = try anonymize("truncate", to: "out.log", scratch: scratch)
        let (plain, _) = try doctor(output, scratch: scratch)
        let result = try CLI.run(["verify", "--json", "--preset", "ga", plain, output])
        #expect(result.status == 1)
        let object = try CLI.jsonObject(result.stdout)
        #expect(Set(object.keys) == ["files", "totals", "method", "prefixes"])
        #expect(object["method"] as? String == "truncate")
        #expect(object["prefixes"] as? [String: Int] == ["ipv4": 24, "ipv6": 48])
        let files = try files(result)
        #expect(files.count == 2)
        #expect(Set(files[0].keys) == ["path", "lines", "findings", "lines_with_findings", "finding_lines"])
        #expect(files[1]["finding_lines"] as? [Int] == [])
        let totals = try #require(object["totals"] as? [String: Int])
        #expect(totals == ["files": 2, "lines": 6000, "findings": 3, "files_with_findings": 1, "files_failed": 0])
        let hmac = try CLI.run(["verify", "--json", "--method", "hmac", output])
        #expect(try CLI.jsonObject(hmac.stdout)["prefixes"] == nil)
    }

    @Test func aMissingFileIsNamedAndTheOthersAreStillChecked() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let output = try anonymize("truncate", to: "out.log", scratch: scratch)
        let (plain, _) = try doctor(output, scratch: scratch)
        let missing = scratch.file("missing.log")
        let result = try CLI.run(["verify", missing, output, plain])
        #expect(result.status == 1)
        #expect(result.stderr == "logonym: \(missing): no such file or directory\n")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("\(missing): 0 lines"))
        #expect(lines[1] == "\(output): 3000 lines, 0 findings")
        #expect(lines[2] == "\(plain): 3000 lines, 3 findings on lines 5, 100, 2999")
        #expect(lines[3] == "total: 3 files, 6000 lines, 3 findings in 1 file, 1 file failed (truncate /24 /48)")
        let clean = try CLI.run(["verify", missing, output])
        #expect(clean.status == 1, "a failed input fails the run even when nothing was found")
        let damaged = scratch.file("cut.log.gz")
        let whole = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("generated-combined.log.gz")))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: damaged))
        let cut = try CLI.run(["verify", damaged, output])
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("logonym: \(damaged): truncated gzip data"))
    }

    @Test func cryptopanIsRefusedWithExitTwo() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let result = try CLI.run(["verify", "--method", "cryptopan", scratch.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cryptopan output cannot be checked by scanning"))
        #expect(result.stdout.isEmpty)
        let config = try writeConfig(method: "method = \"cryptopan\"", scratch: scratch)
        let configured = try CLI.run(["verify", "--config", config])
        #expect(configured.status == 2)
        #expect(configured.stderr.contains("cryptopan output cannot be checked by scanning"))
    }

    @Test(arguments: [
        ([], "give the files or directories to check, or --config"),
        (["--method", "rot13", "x.log"], "--method: 'rot13' is not a method; use one of truncate, hmac, cryptopan"),
        (["--ipv4-prefix", "33", "x.log"], "--ipv4-prefix: must be 0 to 31, not 33"),
        (["--ipv6-prefix", "128", "x.log"], "--ipv6-prefix: must be 0 to 127, not 128"),
        (["--preset", "lax", "x.log"], "--preset: 'lax' is not a preset"),
        (["--config", "/nonexistent/logonym.toml"], "/nonexistent/logonym.toml: -: cannot read the file"),
        (["--config", "c.toml", "--method", "hmac"], "come from --config c.toml; give one or the other"),
    ])
    func usageErrorsExitTwo(_ arguments: [String], _ message: String) throws {
        let result = try CLI.run(["verify"] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func aConfigurationGivesTheOutputDirectoryAndItsMethod() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try writeConfig(method: "method = \"truncate\"\npreset = \"strict\"", scratch: scratch)
        let segments = scratch.file("out/site")
        try FileManager.default.createDirectory(atPath: segments, withIntermediateDirectories: true)
        let line = #"81.2.0.0 - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "Chrome/120.0.0.0""#
        let leaky = line.replacingOccurrences(of: "81.2.0.0", with: "81.2.69.0")
        try Data((line + "\n" + leaky + "\n" + line + "\n").utf8)
            .write(to: URL(fileURLWithPath: segments + "/2026-11-27T10.log"))
        let result = try CLI.run(["verify", "--config", config, "--json"])
        #expect(result.status == 1, "81.2.69.0 is not truncated to /16")
        let object = try CLI.jsonObject(result.stdout)
        #expect(object["prefixes"] as? [String: Int] == ["ipv4": 16, "ipv6": 32])
        let files = try files(result)
        #expect(files.map { $0["path"] as? String } == [segments + "/2026-11-27T10.log"])
        #expect(files.first?["finding_lines"] as? [Int] == [2])
        let given = try CLI.run(["verify", "--config", config, scratch.file("out/site/2026-11-27T10.log")])
        #expect(given.status == 1 && given.stdoutText.contains("1 finding on line 2"))
    }

    /// A minimal daemon configuration under `scratch` with an `[anonymize]` body.
    private func writeConfig(method: String, scratch: Scratch) throws -> String {
        let path = scratch.file("logonym.toml")
        let text = """
            [state]
            dir = "state"
            [output]
            dir = "out"
            [anonymize]
            \(method)
            [[input]]
            name = "site"
            paths = ["/var/log/nginx/access.log"]
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
