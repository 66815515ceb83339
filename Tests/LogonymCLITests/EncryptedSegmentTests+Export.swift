import Foundation
import LogonymCore
import Testing

/// `logonym export` (issue 19, item 3): one tenant's segments of a range, in one age file that only its recipients
/// open, recorded in the audit log with their public keys and the file's SHA-256.
extension EncryptedSegmentTests {
    /// Two tenants' shared log over three hours of 2026-10-09, run by the daemon with encrypted segments (`hmac`:
    /// no client address is left in any line, so one found in an export is a leak). Returns the configuration.
    static func twoTenants(_ scratch: Scratch, encrypt: Bool = true) throws -> String {
        var text = ""
        for i in 0..<900 {
            let host = i % 3 == 0 ? "beta.example" : "acme.example"
            let hour = 20 + i / 300
            text +=
                "\(host):443 203.0.113.\(i % 200) - - [09/Oct/2026:\(hour):\(String(format: "%02d", i % 60)):00 +0000] \"GET /t\(i) HTTP/1.1\" 200 \(i) \"-\" \"agent\"\n"
        }
        let log = scratch.file("access.log")
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let config = scratch.file("logonym.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        \(encrypt ? "encrypt = \"window\"" : "")
        [anonymize]
        method = "hmac"
        [[input]]
        name = "web"
        paths = ["\(log)"]
        format = "vhost_combined"
        [[tenant]]
        name = "acme"
        hosts = ["acme.example"]
        [[tenant]]
        name = "beta"
        hosts = ["beta.example"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--config", config, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        return config
    }

    /// A new identity file of mode 0600; its recipient.
    static func identity(_ path: String) throws -> String {
        let identity = AgeIdentity()
        try identity.fileText(created: "test").write(toFile: path, atomically: true, encoding: .utf8)
        return identity.recipient.description
    }

    /// An age file decrypted with an identity file: by Debian's age where it is installed (an independent reader),
    /// else by `logonym cat --identity`.
    static func decrypt(_ path: String, identity: String) throws -> CLI.Result {
        if let age { return try CLI.runProgram(age, ["-d", "-i", identity, path]) }
        return try CLI.run(["cat", "--identity", identity, path])
    }

    @Test func anExportHoldsOneTenantsRangeForItsRecipientsOnlyAndIsAudited() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        let auditor = try Self.identity(scratch.file("auditor.key"))
        try "# the analyst of acme\n\n\(analyst)\n".write(
            toFile: scratch.file("recipients.txt"),
            atomically: true,
            encoding: .utf8
        )
        let archive = scratch.file("acme.tar.age")
        let export = try CLI.run([
            "export", "--config", config, "--tenant", "acme", "--since", "2026-10-09T21:00:00Z", "--until",
            "2026-10-09T23:00:00Z", "--to-file", scratch.file("recipients.txt"), "--to", auditor, "-o", archive,
            "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let summary = try #require(JSONSerialization.jsonObject(with: export.stdout) as? [String: Any])
        #expect(summary["segments"] as? Int == 2)
        #expect(summary["windows"] as? [String] == ["2026-10-09T21", "2026-10-09T22"])
        #expect(summary["lines"] as? Int == 400)
        #expect(Set(summary["recipients"] as? [String] ?? []) == [analyst, auditor])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        #expect(summary["sha256"] as? String == SHA256Digest.hex(bytes))
        #expect(summary["size"] as? Int == bytes.count)

        // The analyst's key opens it: a tar of acme's two segments, as the daemon stored them (decrypted).
        let opened = try Self.decrypt(archive, identity: scratch.file("analyst.key"))
        #expect(opened.status == 0, "\(opened.stderr)")
        try opened.stdout.write(to: URL(fileURLWithPath: scratch.file("acme.tar")))
        try FileManager.default.createDirectory(atPath: scratch.file("x"), withIntermediateDirectories: true)
        let untar = try CLI.runProgram(
            try #require(CLI.which("tar")),
            ["-x", "-f", scratch.file("acme.tar"), "-C", scratch.file("x")]
        )
        #expect(untar.status == 0, "\(untar.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("x/acme/web")).sorted()
        #expect(names == ["2026-10-09T21.log.gz", "2026-10-09T22.log.gz"])
        var exported: [UInt8] = []
        for name in names {
            let segment = scratch.file("out/acme/web/\(name).age")
            let stored = try Self.decoded(segment, state: scratch.file("state"))
            let shipped = try Self.decoded(scratch.file("x/acme/web/\(name)"), state: scratch.file("state"))
            #expect(shipped == stored, "\(name)")
            exported += shipped
        }
        let lines = String(decoding: exported, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 400)
        #expect(lines.allSatisfy { $0.hasPrefix("acme.example") })
        #expect(!lines.contains { $0.contains("203.0.113.") })
        // The second recipient opens it too; the window identities logonym keeps do not (only the recipients).
        #expect(try Self.decrypt(archive, identity: scratch.file("auditor.key")).stdout == opened.stdout)
        let own = try CLI.run(["cat", "--config", config, archive])
        #expect(own.status == 1, "\(own.stderr)")

        // --format log: the same lines, decompressed, in window order.
        let log = scratch.file("acme.log.age")
        let asLog = try CLI.run([
            "export", "--config", config, "--tenant", "acme", "--since", "2026-10-09T21:00:00Z", "--until",
            "2026-10-09T23:00:00Z", "--to", analyst, "-o", log, "--format", "log",
        ])
        #expect(asLog.status == 0, "\(asLog.stderr)")
        #expect(try Self.decrypt(log, identity: scratch.file("analyst.key")).stdout == Data(exported))

        // The audit log names both exports with their recipients and the files' digests, under acme only.
        let audit = try CLI.run(["audit", "--config", config, "--json", "--tenant", "acme"])
        let entries = audit.stdoutText.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "segments_exported" }
        #expect(entries.count == 2)
        #expect(Set(entries.first?["recipients"] as? [String] ?? []) == [analyst, auditor])
        #expect(entries.first?["sha256"] as? String == SHA256Digest.hex(bytes))
        #expect(entries.first?["path"] as? String == archive)
        #expect(entries.first?["tenant"] as? String == "acme")
        let beta = try CLI.run(["audit", "--config", config, "--json", "--tenant", "beta"])
        #expect(!beta.stdoutText.contains("segments_exported"))
        let report = try CLI.run(["report", "--config", config, "--tenant", "acme", "--format", "json"])
        #expect(report.stdoutText.contains("\"export\""), "\(report.stdoutText)")
        let betaReport = try CLI.run(["report", "--config", config, "--tenant", "beta", "--format", "json"])
        #expect(betaReport.status == 0 && !betaReport.stdoutText.contains("\"export\""), "\(betaReport.stdoutText)")
    }

    @Test func anExportOfPlainSegmentsAndItsMistakes() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = try Self.twoTenants(scratch, encrypt: false)
        let analyst = try Self.identity(scratch.file("analyst.key"))
        let archive = scratch.file("beta.tar.age")
        let export = try CLI.run([
            "export", "--config", config, "--tenant", "beta", "--since", "2026-10-09", "--until", "2026-10-10",
            "--to", analyst, "-o", archive,
        ])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("3 segments of 3 windows"), "\(export.stderr)")
        let opened = try Self.decrypt(archive, identity: scratch.file("analyst.key"))
        #expect(opened.status == 0)
        // The archive holds the stored gzip files byte for byte, in window order, each padded to 512 bytes.
        var offset = 0
        let tar = [UInt8](opened.stdout)
        for hour in 20...22 {
            let stored = try [UInt8](
                Data(contentsOf: URL(fileURLWithPath: scratch.file("out/beta/web/2026-10-09T\(hour).log.gz")))
            )
            let name = String(decoding: tar[offset..<offset + 100].prefix { $0 != 0 }, as: UTF8.self)
            #expect(name == "beta/web/2026-10-09T\(hour).log.gz")
            #expect(Array(tar[offset + 512..<offset + 512 + stored.count]) == stored)
            offset += 512 + (stored.count + 511) / 512 * 512
        }
        #expect(tar.count == offset + 1024)

        func refused(_ arguments: [String]) throws -> CLI.Result {
            try CLI.run(["export", "--config", config] + arguments)
        }
        let range = ["--since", "2026-10-09", "--until", "2026-10-10"]
        // An existing file is never replaced.
        let again = try refused(["--tenant", "beta"] + range + ["--to", analyst, "-o", archive])
        #expect(again.status == 2 && again.stderr.contains("exists already"), "\(again.stderr)")
        // With tenants, one tenant per export.
        let noTenant = try refused(range + ["--to", analyst, "-o", scratch.file("a")])
        #expect(noTenant.status == 2 && noTenant.stderr.contains("give --tenant"), "\(noTenant.stderr)")
        let unknown = try refused(["--tenant", "gamma"] + range + ["--to", analyst, "-o", scratch.file("a")])
        #expect(unknown.status == 2 && unknown.stderr.contains("not a configured tenant"), "\(unknown.stderr)")
        // A recipients file's mistake is named by line; a secret key is never repeated.
        let secret = AgeIdentity().secretText
        try "# ok\n\(analyst)\n\(secret)\n".write(toFile: scratch.file("r.txt"), atomically: true, encoding: .utf8)
        let bad = try refused(
            ["--tenant", "beta"] + range + ["--to-file", scratch.file("r.txt"), "-o", scratch.file("a")]
        )
        #expect(bad.status == 2 && bad.stderr.contains("line 3"), "\(bad.stderr)")
        #expect(!bad.stderr.contains(secret))
        // A low-order point would make the file readable by anyone: refused.
        let lowOrder = "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z"
        let weak = try refused(["--tenant", "beta"] + range + ["--to", lowOrder, "-o", scratch.file("a")])
        #expect(weak.status == 2 && weak.stderr.contains("low-order"), "\(weak.stderr)")
        let none = try refused(["--tenant", "beta"] + range + ["-o", scratch.file("a")])
        #expect(none.status == 2 && none.stderr.contains("at least one recipient"), "\(none.stderr)")
        // Nothing in the range: exit 1, no file.
        let empty = try refused([
            "--tenant", "beta", "--since", "2026-11-01", "--until", "2026-11-02", "--to", analyst, "-o",
            scratch.file("a"),
        ])
        #expect(empty.status == 1 && empty.stderr.contains("nothing exported"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("a")))
        let backwards = try refused([
            "--tenant", "beta", "--since", "2026-10-10", "--until", "2026-10-09", "--to", analyst, "-o",
            scratch.file("a"),
        ])
        #expect(backwards.status == 2, "\(backwards.stderr)")
        // No temporary file is left beside a refused or failed export.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }
}
