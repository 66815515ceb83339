import Foundation
import GRDB
import LogonymCore
import LogonymIO
import Testing

extension EncryptedSegmentTests {
    /// Every way the files left under `directories` could hold a key to `segment`: age identity text anywhere in
    /// them, and every file of 32 raw bytes or 64 hex characters taken as an X25519 secret.
    static func leftoverIdentities(under directories: [String]) throws -> (count: Int, identities: [AgeIdentity]) {
        var identities: [AgeIdentity] = []
        var files = 0
        for directory in directories {
            guard let walker = FileManager.default.enumerator(atPath: directory) else { continue }
            for case let name as String in walker {
                let path = directory + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    let data = FileManager.default.contents(atPath: path)
                else { continue }
                files += 1
                let bytes = [UInt8](data)
                let text = String(decoding: bytes, as: UTF8.self).uppercased()
                var rest = text[...]
                while let found = rest.range(of: "AGE-SECRET-KEY-1") {
                    let candidate = rest[found.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                    if let identity = try? AgeIdentity(parsing: String(candidate)) { identities.append(identity) }
                    rest = rest[found.upperBound...]
                }
                if let key = PseudonymKey(fileContents: bytes), let identity = AgeIdentity(rawBytes: key.bytes) {
                    identities.append(identity)
                }
            }
        }
        return (files, identities)
    }

    @Test func afterRetentionDestroysTheIdentityACopyTakenBeforeIsUnreadableWithEverythingLeft() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let input = try Self.log(3_000, in: scratch)
        let config = scratch.file("logonym.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        encrypt = "window"
        [anonymize]
        method = "hmac"
        [retention]
        output = "1d"
        [[input]]
        name = "web"
        paths = ["\(input)"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Self.batch(
            scratch,
            input,
            out: "out",
            state: "state",
            ["--method", "hmac", "--encrypt", "window"]
        )
        #expect(run.status == 0, "\(run.stderr)")
        // The backup, taken while the window's identity lives: readable then.
        let segment = scratch.file("out/web/2026-10-09T21.log.gz.age")
        try FileManager.default.createDirectory(atPath: scratch.file("backup"), withIntermediateDirectories: true)
        let copy = scratch.file("backup/2026-10-09T21.log.gz.age")
        try FileManager.default.copyItem(atPath: segment, toPath: copy)
        let before = try CLI.run(["cat", "--config", config, copy])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdoutText.split(separator: "\n").count == 1_000)
        let identitiesBefore = try Self.leftoverIdentities(under: [scratch.file("state"), scratch.file("out")])
        #expect(identitiesBefore.identities.count >= 3, "the window identities are found by the search")

        let sweep = try CLI.run(["retention", "--config", config])
        #expect(sweep.status == 0, "\(sweep.stdoutText) \(sweep.stderr)")
        #expect(sweep.stdoutText.contains("3 segments, 3 keys, 3 identities"), "\(sweep.stdoutText)")
        let keyFiles = try FileManager.default.contentsOfDirectory(atPath: scratch.file("state/keys"))
        #expect(!keyFiles.contains { $0.hasSuffix(".identity") || $0.hasSuffix(".destroying") }, "\(keyFiles)")
        #expect(!FileManager.default.fileExists(atPath: segment))

        // Nothing left on the machine opens the copy: no identity text in any file of the state or the output,
        // no key file taken as a secret.
        let left = try Self.leftoverIdentities(under: [scratch.file("state"), scratch.file("out")])
        #expect(left.count > 5, "the state directory's files were searched")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: copy)))
        for identity in left.identities {
            let decryptor = AgeDecryptor(identities: [identity])
            var out: [UInt8] = []
            #expect(throws: AgeError.self) {
                try decryptor.update(bytes, into: &out)
                try decryptor.finish(into: &out)
            }
        }
        // logonym cat says why.
        let after = try CLI.run(["cat", "--config", config, copy])
        #expect(after.status == 1)
        #expect(after.stdout.isEmpty)
        let today = String(AuditEntry.timestamp(Date().timeIntervalSince1970).prefix(10))
        #expect(
            after.stderr.contains(
                "\(copy): the window's key was destroyed by retention on \(today)"
            ),
            "\(after.stderr)"
        )
        #expect(after.stderr.contains(": this segment can no longer be read"))
        let export = try CLI.run([
            "keys", "export", "--config", config, "--window", "2026-10-09T21", "-o", scratch.file("k"),
        ])
        #expect(export.status == 1)
        #expect(export.stderr.contains("its identity was destroyed by retention on \(today)"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("k")))
        let audit = try CLI.run(["audit", "--state-dir", scratch.file("state")])
        #expect(audit.stdoutText.components(separatedBy: "identity_destroyed").count - 1 == 3)
    }
}

extension EncryptedSegmentTests {
    /// A window still open when the daemon stopped is closed by a later `logonym retention` once its key's retention
    /// passed, with no daemon running: it is encrypted by that sweep, not left plain until the next start.
    @Test func aStandaloneSweepEncryptsTheStaleSegmentsItCloses() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let now = Int64(Date().timeIntervalSince1970)
        let stamp = RetentionTests.logTime(Int(now))
        var text = ""
        for i in 0..<200 {
            text += "198.51.100.\(i) - - [\(stamp)] \"GET /now/\(i) HTTP/1.1\" 200 \(i) \"-\" \"agent\"\n"
        }
        let log = scratch.file("now.log")
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let config = scratch.file("logonym.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        encrypt = "window"
        [anonymize]
        method = "hmac"
        [retention]
        keys = "2h"
        output = "30d"
        [[input]]
        name = "web"
        paths = ["\(log)"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--config", config, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let open = try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/web"))
        #expect(open.count == 1 && open[0].hasSuffix(".log.gz"), "the window is open: \(open)")
        let plain = try Self.decoded(scratch.file("out/web/\(open[0])"), state: scratch.file("state"))

        let sweep = try CLI.run(["retention", "--config", config, "--now", "@\(now + 6 * 3600)"])
        #expect(sweep.status == 0, "\(sweep.stdoutText) \(sweep.stderr)")
        let sealed = try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/web"))
        #expect(sealed == [open[0] + ".age"], "\(sealed)")
        let read = try CLI.run(["cat", "--config", config, scratch.file("out/web/\(open[0]).age")])
        #expect(read.status == 0, "\(read.stderr)")
        #expect([UInt8](read.stdout) == plain)
        #expect(read.stdoutText.split(separator: "\n").count == 200)
    }
}
