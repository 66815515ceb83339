import Foundation
import GRDB
import LogonymCore
import LogonymIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `logonym export` at its edges: recipients files as age reads them, what is at the output's name by the end, and a
/// segment sealed after the state was read.
extension EncryptedSegmentTests {
    @Test func anExportReadsRecipientsFilesAsAgeDoesAndNeverRepeatsASecretKey() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch, encrypt: false)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        let auditor = try Self.identity(scratch.file("auditor.key"))
        let range = ["--tenant", "acme", "--since", "2026-10-09T21:00:00Z", "--until", "2026-10-09T22:00:00Z"]

        // CRLF line ends, a byte order mark, a comment first: both recipients (a String splits "\r\n" as one
        // character: the whole file was one comment line, skipped, and the export went to --to alone).
        let crlf = scratch.file("crlf.txt")
        try Data([0xEF, 0xBB, 0xBF] + Array("# analysts\r\n\(analyst)\r\n\(auditor)\r\n".utf8)).write(
            to: URL(fileURLWithPath: crlf)
        )
        let export = try CLI.run(
            ["export", "--config", config] + range + ["--to-file", crlf, "-o", scratch.file("a")]
        )
        #expect(export.status == 0, "\(export.stderr)")
        let audit = try CLI.run(["audit", "--config", config, "--json", "--tenant", "acme"])
        let entry = try #require(
            String(decoding: audit.stdout, as: UTF8.self).split(separator: "\n").last {
                $0.contains("segments_exported")
            }
        )
        #expect(entry.contains(analyst) && entry.contains(auditor))

        // A secret key after a byte order mark, a space or another line is still one: never repeated.
        let secret = try #require(
            String(contentsOfFile: scratch.file("analyst.key"), encoding: .utf8).split(separator: "\n").last
        )
        let body = String(secret.dropFirst("AGE-SECRET-KEY-1".count).prefix(12))
        let files: [[UInt8]] = [
            [0xEF, 0xBB, 0xBF] + Array("\(secret)\n".utf8),
            Array("\(auditor)\r\n\(secret)\r\n".utf8),
            Array("\(auditor) \(secret)\n".utf8),
        ]
        for (index, bytes) in files.enumerated() {
            let file = scratch.file("secret\(index).txt")
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let refused = try CLI.run(
                ["export", "--config", config] + range + ["--to-file", file, "-o", scratch.file("b")]
            )
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("secret key") && !refused.stderr.contains(body), "\(refused.stderr)")
        }
        let given = try CLI.run(
            ["export", "--config", config] + range + ["--to", " \(secret)", "-o", scratch.file("b")]
        )
        #expect(given.status == 2)
        #expect(given.stderr.contains("secret key") && !given.stderr.contains(body), "\(given.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("b")))
    }

    @Test func anExportReplacesNothingAtItsNameNotEvenAFileMadeWhileItRan() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch, encrypt: false)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        let range = ["--tenant", "acme", "--since", "2026-10-09T21:00:00Z", "--until", "2026-10-09T22:00:00Z"]

        // A dangling symlink is something at the name (fileExists follows it and said no: it was replaced).
        let link = scratch.file("link.age")
        #expect(symlink(scratch.file("nowhere"), link) == 0)
        let dangling = try CLI.run(["export", "--config", config] + range + ["--to", analyst, "-o", link])
        #expect(dangling.status == 2, "\(dangling.stderr)")
        var info = stat()
        #expect(lstat(link, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK)
        let empty = try CLI.run(["export", "--config", config] + range + ["--to", analyst, "-o", ""])
        #expect(empty.status == 2, "\(empty.stderr)")
        let far = try CLI.run(
            ["export", "--config", config, "--tenant", "acme", "--since", "@-9223372036854775808", "--until"]
                + ["@9223372036854775807", "--to", analyst, "-o", scratch.file("far")]
        )
        #expect(far.status == 2, "\(far.stderr)")

        // A file made at the name after the export checked it (another export to the same name): it stays, and
        // the export's temporary file is removed.
        let path = scratch.file("race.age")
        let file = try FileOutput(path: path)
        try file.writeAll(Array("the export".utf8))
        try "made meanwhile".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: LogonymIOError.self) { try file.finish(replacing: false) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "made meanwhile")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.contains("logonym-") }
        )
        // Nothing there: linked into place, no temporary name left.
        let fresh = try FileOutput(path: scratch.file("fresh.age"))
        try fresh.writeAll(Array("the export".utf8))
        try fresh.finish(replacing: false)
        #expect(try String(contentsOfFile: scratch.file("fresh.age"), encoding: .utf8) == "the export")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.contains("logonym-") }
        )
    }

    @Test func aSegmentSealedAfterTheStateWasReadIsExportedAsFarAsTheStateSaid() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        // The row as the export's snapshot saw it before the daemon sealed the segment: the plain name, and 100
        // bytes committed. The sealed file holds more (what was committed by the time it was sealed).
        let plain = scratch.file("out/acme/web/2026-10-09T21.log.gz")
        let queue = try DatabaseQueue(path: scratch.file("state/state.db"))
        try queue.write { db in
            try db.execute(
                sql: "UPDATE segments SET path = ?, length = 100 WHERE path = ?",
                arguments: [plain, plain + ".age"]
            )
        }
        try queue.close()
        let archive = scratch.file("acme.tar.age")
        let export = try CLI.run([
            "export", "--config", config, "--tenant", "acme", "--since", "2026-10-09T21:00:00Z", "--until",
            "2026-10-09T22:00:00Z", "--to", analyst, "-o", archive,
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let opened = try Self.decrypt(archive, identity: scratch.file("analyst.key"))
        #expect(opened.status == 0, "\(opened.stderr)")
        // One entry of 100 bytes: its header says so (octal, at 124), and the archive is header, one block, end.
        let tar = Array(opened.stdout)
        #expect(String(decoding: tar[124..<135], as: UTF8.self) == String(format: "%011o", 100))
        #expect(tar.count == 512 + 512 + 1024)
    }
}

extension EncryptedSegmentTests {
    @Test func anExportMeasuresEachSegmentByTheWindowItWasWrittenUnder() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch, encrypt: false)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        // Hours written, then the window made a day: the 20:00 and 21:00 hours do not overlap [22:00, 23:00).
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains("[output]\n") && !text.contains("window"))
        try text.replacingOccurrences(of: "[output]\n", with: "[output]\nwindow = \"1d\"\n").write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        let export = try CLI.run([
            "export", "--config", config, "--tenant", "acme", "--since", "2026-10-09T22:00:00Z", "--until",
            "2026-10-09T23:00:00Z", "--to", analyst, "-o", scratch.file("a"), "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let summary = try #require(JSONSerialization.jsonObject(with: export.stdout) as? [String: Any])
        #expect(summary["segments"] as? Int == 1)
        #expect(summary["windows"] as? [String] == ["2026-10-09T22"])
    }
}

extension EncryptedSegmentTests {
    @Test func anExportToTheRecipientOfAWindowIdentityIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        // The audit log names each window identity's recipient: pasted as --to, logonym cat --config opened it.
        let queue = try DatabaseQueue(path: scratch.file("state/state.db"))
        let own = try #require(
            try queue.read { db in try String.fetchOne(db, sql: "SELECT recipient FROM identities") }
        )
        try queue.close()
        let export = try CLI.run([
            "export", "--config", config, "--tenant", "acme", "--since", "2026-10-09T21:00:00Z", "--until",
            "2026-10-09T23:00:00Z", "--to", analyst, "--to", own, "-o", scratch.file("a"),
        ])
        #expect(export.status == 2, "\(export.stderr)")
        #expect(export.stderr.contains("window identity"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("a")))
    }
}
