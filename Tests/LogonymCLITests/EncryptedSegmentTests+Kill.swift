import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EncryptedSegmentTests {
    /// What must hold after any kill: every segment row names a file that exists and holds at least the recorded
    /// length (the plain file until its encrypted one is recorded, then that one), and no file under an encrypted
    /// or temporary name holds plaintext.
    static func checkRows(_ scratch: Scratch, _ when: String) throws {
        guard FileManager.default.fileExists(atPath: scratch.file("state/state.db")) else { return }
        let rows = try DaemonHarness.query(scratch.file("state")) {
            try Row.fetchAll($0, sql: "SELECT path, length FROM segments")
        }
        for row in rows {
            let path: String = row["path"]
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            #expect(
                size.map { Int64($0) >= row["length"] as Int64 } == true,
                "\(when): \(path) \(String(describing: size))"
            )
        }
        let directory = scratch.file("out/batch")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)).prefix(21)
            if name.hasSuffix(".age") || name.hasSuffix(".age.tmp") {
                #expect(
                    bytes.isEmpty || String(decoding: bytes, as: UTF8.self) == "age-encryption.org/v1",
                    "\(when): \(name)"
                )
            }
        }
    }

    @Test func anEncryptedBatchKilledDuringEncryptionAndRerunEqualsOneCleanRun() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let key = try scratch.key()
        let extra = ["--method", "hmac", "--key-file", key, "--summary", "none"]
        let environment = ["LOGONYM_COMMIT_BYTES": "16384"]
        let archives = BatchResumeTests.archives
        let clean = try CLI.run(
            BatchResumeTests.arguments(scratch, archives, out: "clean", state: "clean-state", extra: extra),
            environment: environment
        )
        #expect(clean.status == 0, "\(clean.stderr)")
        let arguments = BatchResumeTests.arguments(scratch, archives, extra: extra + ["--encrypt", "window"])
        var history: [String] = []
        func attempt(_ what: String, crashAt point: String? = nil, after delay: Double? = nil) throws -> Bool {
            var env = environment
            if let point { env["LOGONYM_CRASH_AT"] = point }
            let killed = try BatchKillTests.run(arguments, environment: env, killAfter: delay)
            history.append("\(what): \(killed ? "killed" : "finished")")
            try Self.checkRows(scratch, what)
            return !killed
        }
        // Mid-run; then with every segment encrypted under its dot name and only the first renamed into place; with
        // none renamed; with all renamed, none recorded; with all recorded, the plain files still there.
        var done = try attempt("at commit 3", crashAt: "batch-segments-synced@3")
        for point in ["seal-written@2", "seal-written@1", "seal-renamed@1", "seal-recorded@1"] where !done {
            done = try attempt("at \(point)", crashAt: point)
        }
        if !done { done = try attempt("to the end") }
        #expect(done, "\(history)")
        #expect(history.filter { $0.hasSuffix("killed") }.count == 5, "\(history)")
        print("EncryptedSegmentTests kills: \(history.joined(separator: "; "))")

        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/batch"))
        #expect(!names.isEmpty && names.allSatisfy { $0.hasSuffix(".log.gz.age") && !$0.hasPrefix(".") }, "\(names)")
        let want = try BatchResumeTests.windows(scratch.file("clean/batch"))
        let got = try Self.windows(scratch.file("out/batch"), state: scratch.file("state"))
        #expect(got.keys.sorted() == want.keys.sorted())
        for (window, bytes) in want {
            #expect(got[window] == bytes, "window \(window): \(history)")
        }
        #expect(try BatchKillTests.totals(scratch.file("state")) == BatchKillTests.totals(scratch.file("clean-state")))
        // Once finished, a rerun changes nothing.
        let before = try BatchResumeTests.segmentFiles(scratch.file("out/batch"))
        #expect(try attempt("again"))
        #expect(try BatchResumeTests.segmentFiles(scratch.file("out/batch")) == before)
    }

    /// A run killed after its segments were recorded encrypted and before their plain files were removed, and
    /// never run again: the next retention sweep removes the plain copies (they must not outlive the encrypted ones,
    /// whose identities retention destroys).
    @Test func plainCopiesAKilledRunLeftAreRemovedByTheNextSweep() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let key = try scratch.key()
        let arguments = BatchResumeTests.arguments(
            scratch,
            BatchResumeTests.archives,
            extra: ["--method", "hmac", "--key-file", key, "--summary", "none", "--encrypt", "window"]
        )
        let killed = try BatchKillTests.run(
            arguments,
            environment: ["LOGONYM_CRASH_AT": "seal-recorded@1"],
            killAfter: nil
        )
        #expect(killed)
        func files() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/batch"))
        }
        #expect(try files().contains { $0.hasSuffix(".log.gz") }, "the plain copies the kill left")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        [retention]
        output = "off"
        [[input]]
        name = "batch"
        paths = ["\(scratch.file("none.log"))"]
        """.write(toFile: scratch.file("logonym.toml"), atomically: true, encoding: .utf8)
        let sweep = try CLI.run(["retention", "--config", scratch.file("logonym.toml")])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let left = try files()
        #expect(!left.isEmpty && left.allSatisfy { $0.hasSuffix(".log.gz.age") }, "\(left)")
    }
}
