import Foundation
import Testing

extension EncryptedSegmentTests {
    @Test func eachTenantsSegmentsAreEncryptedToItsOwnIdentitiesAndShreddedByItsOwnRetention() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var text = ""
        for i in 0..<600 {
            let host = i % 2 == 0 ? "acme.example" : "beta.example"
            text +=
                "\(host):443 203.0.113.\(i % 200) - - [09/Oct/2026:21:\(String(format: "%02d", i % 60)):00 +0000] \"GET /t\(i) HTTP/1.1\" 200 \(i) \"-\" \"agent\"\n"
        }
        let log = scratch.file("access.log")
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let config = scratch.file("logonym.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        encrypt = "window"
        [[input]]
        name = "web"
        paths = ["\(log)"]
        format = "vhost_combined"
        [[tenant]]
        name = "acme"
        hosts = ["acme.example"]
        [tenant.retention]
        output = "60d"
        [[tenant]]
        name = "beta"
        hosts = ["beta.example"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--config", config, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        // The window ended long before now (past its key retention): the daemon closes it and encrypts it at once.
        var identities: [String: [String]] = [:]
        for tenant in ["acme", "beta"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/\(tenant)/web"))
            #expect(names == ["2026-10-09T21.log.gz.age"], "\(tenant): \(names)")
            identities[tenant] = try FileManager.default.contentsOfDirectory(
                atPath: scratch.file("state/keys/\(tenant)")
            )
            .filter { $0.hasSuffix(".identity") }
            #expect(identities[tenant]?.count == 1, "\(tenant)")
            let read = try CLI.run([
                "cat", "--config", config, scratch.file("out/\(tenant)/web/2026-10-09T21.log.gz.age"),
            ])
            #expect(read.status == 0, "\(read.stderr)")
            #expect(read.stdoutText.split(separator: "\n").allSatisfy { $0.hasPrefix("\(tenant).example") })
            #expect(read.stdoutText.split(separator: "\n").count == 300)
        }
        // Two tenants share the window's name: export needs --tenant.
        let ambiguous = try CLI.run([
            "keys", "export", "--config", config, "--window", "2026-10-09T21", "-o", scratch.file("k"),
        ])
        #expect(ambiguous.status == 2 && ambiguous.stderr.contains("give --tenant"), "\(ambiguous.stderr)")
        // On 2026-12-10, acme's output retention (60 days) is over, beta's (90) is not: only acme's identity goes.
        let copy = scratch.file("2026-10-09T21.log.gz.age")
        try FileManager.default.copyItem(atPath: scratch.file("out/acme/web/2026-10-09T21.log.gz.age"), toPath: copy)
        let sweep = try CLI.run(["retention", "--config", config, "--now", "2026-12-10T00:00:00Z"])
        #expect(sweep.status == 0, "\(sweep.stdoutText) \(sweep.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch.file("state/keys/acme")).filter {
                $0.hasSuffix(".identity")
            }.isEmpty
        )
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch.file("state/keys/beta")).filter {
                $0.hasSuffix(".identity")
            } == identities["beta"]
        )
        let gone = try CLI.run(["cat", "--config", config, copy])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("the window's key was destroyed by retention on"), "\(gone.stderr)")
        let beta = try CLI.run([
            "keys", "export", "--config", config, "--window", "2026-10-09T21", "--tenant", "beta", "-o",
            scratch.file("beta.key"),
        ])
        #expect(beta.status == 0, "\(beta.stderr)")
        // Removing beta destroys its identities with its segments: a copy taken before is unreadable.
        let betaCopy = scratch.file("beta-copy/2026-10-09T21.log.gz.age")
        try FileManager.default.createDirectory(atPath: scratch.file("beta-copy"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: scratch.file("out/beta/web/2026-10-09T21.log.gz.age"),
            toPath: betaCopy
        )
        let configured = try String(contentsOfFile: config, encoding: .utf8)
        try String(configured[..<configured.range(of: "[[tenant]]\nname = \"beta\"")!.lowerBound])
            .write(toFile: config, atomically: true, encoding: .utf8)
        let removed = try CLI.run(["tenant", "remove", "beta", "--config", config])
        #expect(removed.status == 0, "\(removed.stdoutText) \(removed.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: scratch.file("state/keys/beta"))) ?? []
        #expect(!left.contains { $0.hasSuffix(".identity") }, "\(left)")
        let betaGone = try CLI.run(["cat", "--config", config, betaCopy])
        #expect(betaGone.status == 1)
        #expect(betaGone.stderr.contains("the window's key was destroyed by retention on"), "\(betaGone.stderr)")
    }
}
