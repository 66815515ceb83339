import Foundation
import GRDB
import LogonymCore
import LogonymIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `[output] encrypt = "window"` and `--encrypt window`: closed segments as age files to their window's identity,
/// read by `logonym cat` and by Debian's `age`, unreadable once retention destroyed the identity, and exactly once
/// across kills during encryption (issue 19).
struct EncryptedSegmentTests {
    /// Debian's age (.ci/run installs it).
    static let age = CLI.which("age")
    static let ageKeygen = CLI.which("age-keygen")

    /// A new age identity file from age-keygen; its recipient.
    static func keygen(_ path: String) throws -> String {
        let keygen = try #require(ageKeygen)
        let made = try CLI.runProgram(keygen, ["-o", path])
        #expect(made.status == 0, "\(made.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("# public key: ") })
        return String(line.dropFirst("# public key: ".count))
    }

    /// Every line of a segment, decrypted with a state directory's window identities.
    static func decoded(_ path: String, state: String) throws -> [UInt8] {
        let keys = SegmentKeys(stateDirectory: state)
        let source = try InputOpener.openSegment(path) { () throws(LogonymIOError) in try keys.identities(for: path) }
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            bytes += buffer.prefix(n)
        }
        return bytes
    }

    /// The decrypted output of each window, its parts in order.
    static func windows(_ directory: String, state: String) throws -> [String: [UInt8]] {
        var windows: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted(
            by: DaemonHarness.segmentOrder
        ) {
            windows[String(name.prefix { $0 != "." }), default: []] += try decoded(directory + "/" + name, state: state)
        }
        return windows
    }

    /// A log of `count` lines over three hours of 2026-10-09 (in the past: retention can expire it).
    static func log(_ count: Int, in scratch: Scratch) throws -> String {
        var text = ""
        for i in 0..<count {
            let hour = 20 + i * 3 / count
            text +=
                "203.0.\(i % 200).\(i % 250) - - [09/Oct/2026:\(hour):\(String(format: "%02d", i % 60)):00 +0000] \"GET /page/\(i)?q=\(i * 7919) HTTP/1.1\" 200 \(i % 5000) \"-\" \"agent \(i % 13)\"\n"
        }
        let path = scratch.file("in.log")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func batch(
        _ scratch: Scratch,
        _ input: String,
        out: String,
        state: String,
        _ extra: [String]
    ) throws
        -> CLI.Result
    {
        try CLI.run(
            [
                "anonymize", "--window", "1h", "--output-dir", scratch.file(out), "--state-dir", scratch.file(state),
                "--source", "web", "--summary", "none", "--no-progress",
            ] + extra + [input]
        )
    }

    @Test(.enabled(if: age != nil && ageKeygen != nil, "needs age and age-keygen (Debian age; .ci/run installs it)"))
    func aFileAgeEncryptsIsReadByCatWithTheIdentityGiven() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let identity = scratch.file("id.txt")
        let recipient = try Self.keygen(identity)
        // Plain text of five chunks and a bit, and the same gzipped: cat gives back exactly the text.
        var text = ""
        for i in 0..<9_000 { text += "line \(i) \(String(repeating: "x", count: i % 50))\n" }
        let plain = scratch.file("w.log")
        try text.write(toFile: plain, atomically: true, encoding: .utf8)
        #expect(try CLI.runProgram("/bin/gzip", ["-k", plain]).status == 0)
        for (source, name) in [(plain, "2026-11-27T10.log.age"), (plain + ".gz", "2026-11-27T10.log.gz.age")] {
            let encrypted = scratch.file(name)
            let made = try CLI.runProgram(Self.age!, ["-r", recipient, "-o", encrypted, source])
            #expect(made.status == 0, "\(made.stderr)")
            let read = try CLI.run(["cat", "--identity", identity, encrypted])
            #expect(read.status == 0, "\(read.stderr)")
            #expect(read.stdoutText == text, "\(name)")
        }
        // Another identity: refused, naming the file, nothing printed.
        let other = scratch.file("other.txt")
        _ = try Self.keygen(other)
        let refused = try CLI.run(["cat", "--identity", other, scratch.file("2026-11-27T10.log.gz.age")])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(
            refused.stderr.contains(scratch.file("2026-11-27T10.log.gz.age") + ": none of the age file's recipients")
        )
    }

    @Test(.enabled(if: age != nil && ageKeygen != nil, "needs age and age-keygen (Debian age; .ci/run installs it)"))
    func anEncryptedBatchIsReadByCatAndByAgeWithTheExportedIdentityAndTheControllersKey() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let input = try Self.log(6_000, in: scratch)
        let controller = scratch.file("controller.txt")
        let recipient = try Self.keygen(controller)
        let plainRun = try Self.batch(scratch, input, out: "plain", state: "plain-state", [])
        #expect(plainRun.status == 0, "\(plainRun.stderr)")
        let run = try Self.batch(
            scratch,
            input,
            out: "out",
            state: "state",
            ["--encrypt", "window", "--recipient", recipient]
        )
        #expect(run.status == 0, "\(run.stderr)")
        // Only encrypted segments, no plain or temporary file beside them; the rows name them with their lengths.
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/web")).sorted()
        #expect(names == ["2026-10-09T20.log.gz.age", "2026-10-09T21.log.gz.age", "2026-10-09T22.log.gz.age"])
        let rows = try DaemonHarness.query(scratch.file("state")) {
            try Row.fetchAll($0, sql: "SELECT path, length, open FROM segments ORDER BY path")
        }
        #expect(rows.map { $0["path"] as String } == names.map { scratch.file("out/web/" + $0) })
        for row in rows {
            let size = try FileManager.default.attributesOfItem(atPath: row["path"])[.size] as? Int
            #expect(row["length"] as Int64 == Int64(size ?? -1))
            #expect(row["open"] as Int == 0)
        }
        // Each window's lines, as the plain run wrote them.
        let plainWindows = try BatchResumeTests.windows(scratch.file("plain/web"))
        #expect(try Self.windows(scratch.file("out/web"), state: scratch.file("state")) == plainWindows)
        let all = try CLI.run(
            ["cat", "--state-dir", scratch.file("state")] + names.map { scratch.file("out/web/" + $0) }
        )
        #expect(all.status == 0, "\(all.stderr)")
        #expect(Array(all.stdout) == names.flatMap { plainWindows[String($0.prefix(13))]! })
        // age itself, with the exported identity and with the controller's key.
        let exported = scratch.file("window.key")
        let export = try CLI.run([
            "keys", "export", "--state-dir", scratch.file("state"), "--window", "2026-10-09T21", "-o", exported,
        ])
        #expect(export.status == 0, "\(export.stderr)")
        var info = stat()
        #expect(stat(exported, &info) == 0 && info.st_mode & 0o777 == 0o600)
        for key in [exported, controller] {
            let out = scratch.file("decrypted-\((key as NSString).lastPathComponent).gz")
            let decrypted = try CLI.runProgram(
                Self.age!,
                ["-d", "-i", key, "-o", out, scratch.file("out/web/2026-10-09T21.log.gz.age")]
            )
            #expect(decrypted.status == 0, "\(decrypted.stderr)")
            #expect(try DaemonHarness.decoded(out) == plainWindows["2026-10-09T21"])
        }
        // The exported identity opens only its own window.
        let wrong = try CLI.runProgram(
            Self.age!,
            ["-d", "-i", exported, scratch.file("out/web/2026-10-09T20.log.gz.age")]
        )
        #expect(wrong.status != 0)
        // The export is in the audit log, and it does not overwrite a file.
        let audit = try CLI.run(["audit", "--state-dir", scratch.file("state")])
        #expect(audit.stdoutText.contains("identity_exported"))
        #expect(audit.stdoutText.contains("path=\(exported)"))
        let again = try CLI.run([
            "keys", "export", "--state-dir", scratch.file("state"), "--window", "2026-10-09T21", "-o", exported,
        ])
        #expect(again.status == 3)
        // stats counts the same lines and bytes as the plain run.
        #expect(try BatchKillTests.totals(scratch.file("state")) == BatchKillTests.totals(scratch.file("plain-state")))
        // verify --config reads the encrypted segments.
        let config = scratch.file("logonym.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        encrypt = "window"
        [[input]]
        name = "web"
        paths = ["\(input)"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let verify = try CLI.run(["verify", "--config", config, "--json"])
        #expect(verify.status == 0, "\(verify.stdoutText) \(verify.stderr)")
        let report = try CLI.jsonObject(verify.stdout)
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(totals["lines"] as? Int == 6_000, "\(report)")
    }

    @Test func catNamesTheFileAndOffsetOfATruncatedChangedOrReorderedSegment() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // Lines that compress badly: a segment of several 64 KiB chunks.
        var text = ""
        var x: UInt64 = 1
        for i in 0..<12_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text +=
                "203.0.113.\(i % 250) - - [09/Oct/2026:20:\(String(format: "%02d", i % 60)):00 +0000] \"GET /\(String(x, radix: 36))\(String(x >> 7, radix: 36)) HTTP/1.1\" 200 1 \"-\" \"a\"\n"
        }
        let input = scratch.file("in.log")
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let run = try Self.batch(scratch, input, out: "out", state: "state", ["--encrypt", "window"])
        #expect(run.status == 0, "\(run.stderr)")
        let segment = scratch.file("out/web/2026-10-09T20.log.gz.age")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        let chunk = 65_536 + 16
        // Chunk 0 starts after the header and the 16-byte nonce.
        let start = try Self.headerLength(bytes) + 16
        #expect(bytes.count - start > 2 * chunk, "a segment of at least three chunks")
        let state = scratch.file("state")
        func cat(_ name: String, _ changed: [UInt8]) throws -> CLI.Result {
            let path = scratch.file(name)
            try Data(changed).write(to: URL(fileURLWithPath: path))
            return try CLI.run(["cat", "--state-dir", state, path])
        }
        let plain = try Self.batch(scratch, input, out: "plain", state: "plain-state", [])
        #expect(plain.status == 0)
        let written = try DaemonHarness.decoded(scratch.file("plain/web/2026-10-09T20.log.gz"))
        let whole = try CLI.run(["cat", "--state-dir", state, segment])
        #expect(whole.status == 0 && Array(whole.stdout) == written, "\(whole.stderr)")
        let cut = try cat("cut.log.gz.age", Array(bytes.prefix(start + chunk)))
        #expect(cut.status == 1)
        #expect(
            cut.stderr.contains(
                scratch.file("cut.log.gz.age") + ": the age file ends after chunk 0 without its final chunk"
            )
        )
        #expect(cut.stderr.contains("encrypted byte offset \(start + chunk)"))
        var flipped = bytes
        flipped[start + chunk + 100] ^= 0x20
        let changed = try cat("changed.log.gz.age", flipped)
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("chunk 1 of the age payload failed authentication"))
        let swapped =
            Array(bytes[..<start]) + Array(bytes[(start + chunk)..<(start + 2 * chunk)])
            + Array(bytes[start..<(start + chunk)]) + Array(bytes[(start + 2 * chunk)...])
        let reordered = try cat("reordered.log.gz.age", swapped)
        #expect(reordered.status == 1)
        #expect(reordered.stderr.contains("chunk 0 of the age payload failed authentication"))
        #expect(reordered.stdout.isEmpty)
        var header = bytes
        header[30] ^= 0x01
        let badHeader = try cat("header.log.gz.age", header)
        #expect(badHeader.status == 1)
        #expect(badHeader.stdout.isEmpty)
        // Plain and gzip segments need no key.
        let gz = try CLI.run(["cat", scratch.file("plain/web/2026-10-09T20.log.gz"), input])
        #expect(gz.status == 0 && Array(gz.stdout) == written + Array(text.utf8), "\(gz.stderr)")
    }

    /// The length of an age header (through the MAC line).
    static func headerLength(_ bytes: [UInt8]) throws -> Int {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        let mac = try #require(text.range(of: "\n--- "))
        let end = try #require(text[mac.upperBound...].firstIndex(of: "\n"))
        return text.utf8.distance(from: text.startIndex, to: end) + 1
    }
}
