import Foundation
import GRDB
import Testing

extension EncryptedSegmentTests {
    /// Lines of 2030-01-01 from `from` to `to` minutes after midnight, one a minute, from `clients` clients.
    static func lines(minutes range: Range<Int>, client: (Int) -> String) -> String {
        var text = ""
        for minute in range {
            let time = String(format: "01/Jan/2030:%02d:%02d:00 +0000", minute / 60, minute % 60)
            text += "\(client(minute)) - - [\(time)] \"GET /m\(minute) HTTP/1.1\" 200 \(minute) \"-\" \"agent\"\n"
        }
        return text
    }

    @Test func theDaemonEncryptsEachSegmentWhenItsWindowClosesAndAKillDuringItLosesNothing() throws {
        let daemon = try DaemonHarness(outputExtra: "encrypt = \"window\"", method: "hmac")
        defer { daemon.cleanup() }
        let handle = try #require(FileHandle(forWritingAtPath: daemon.log))
        // Hours 00 and 01, and 02 up to 02:29: windows 00 and 01 close (their end plus five minutes is passed), 02
        // stays open.
        handle.write(Data(Self.lines(minutes: 0..<150) { "203.0.113.\($0 % 97)" }.utf8))
        // Killed right after the first encrypted segment was renamed into place, before it was recorded.
        let killed = try CLI.run(
            ["run", "--config", daemon.config, "--once", "--log-level", "warning"],
            environment: ["LOGONYM_CRASH_AT": "seal-renamed@1"]
        )
        #expect(killed.killed, "\(killed.stderr)")
        let again = try daemon.catchUp()
        #expect(again.status == 0, "\(again.stderr)")
        let directory = daemon.root + "/out/web"
        var names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["2030-01-01T00.log.gz.age", "2030-01-01T01.log.gz.age", "2030-01-01T02.log.gz"])
        // Every line once: 60 + 60 + 30, in order.
        let state = daemon.root + "/state"
        var text = ""
        for name in names {
            text += String(decoding: try Self.decoded(directory + "/" + name, state: state), as: UTF8.self)
        }
        #expect(text.split(separator: "\n").map { $0.split(separator: " ")[6] } == (0..<150).map { "/m\($0)" })
        // A line of 03:10 closes window 02: encrypted in turn; the identities are one per window.
        handle.write(Data(Self.lines(minutes: 190..<191) { _ in "198.51.100.1" }.utf8))
        try handle.close()
        #expect(try daemon.catchUp().status == 0)
        names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(
            names == [
                "2030-01-01T00.log.gz.age", "2030-01-01T01.log.gz.age", "2030-01-01T02.log.gz.age",
                "2030-01-01T03.log.gz",
            ]
        )
        let identities = try FileManager.default.contentsOfDirectory(atPath: state + "/keys").filter {
            $0.hasSuffix(".identity")
        }
        #expect(identities.count == 3, "\(identities)")
        let all = try CLI.run(["cat", "--config", daemon.config] + names.map { directory + "/" + $0 })
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdoutText.split(separator: "\n").count == 151)
        #expect(try BatchKillTests.totals(state)[1] == 151)
    }

    @Test func accessAndForgetWorkOnEncryptedSegmentsAndKeepThemEncrypted() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let subject = "198.51.100.7"
        let text = Self.lines(minutes: 0..<180) { $0 % 9 == 0 ? subject : "203.0.113.\($0 % 50)" }
        let input = scratch.file("in.log")
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let config = scratch.file("logonym.toml")
        try """
        [state]
        dir = "\(scratch.file("state"))"
        [output]
        dir = "\(scratch.file("out"))"
        encrypt = "window"
        [anonymize]
        method = "hmac"
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
        let found = try CLI.run(["access", "--config", config, "--address", subject])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdoutText.split(separator: "\n").count == 20)
        let forget = try CLI.run(["forget", "--config", config, "--address", subject])
        #expect(forget.status == 0, "\(forget.stdoutText) \(forget.stderr)")
        let after = try CLI.run(["access", "--config", config, "--address", subject])
        #expect(after.status == 0 && after.stdout.isEmpty, "\(after.stdoutText) \(after.stderr)")
        // Still encrypted (nothing plain beside them), and the other lines all there.
        let directory = scratch.file("out/web")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["2030-01-01T00.log.gz.age", "2030-01-01T01.log.gz.age", "2030-01-01T02.log.gz.age"])
        for name in names {
            let head = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)).prefix(21)
            #expect(String(decoding: head, as: UTF8.self) == "age-encryption.org/v1")
        }
        let all = try CLI.run(["cat", "--config", config] + names.map { directory + "/" + $0 })
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdoutText.split(separator: "\n").count == 160)
        let rows = try DaemonHarness.query(scratch.file("state")) {
            try Row.fetchAll($0, sql: "SELECT path, length, lines FROM segments ORDER BY path")
        }
        #expect(rows.map { $0["lines"] as Int64 } == [53, 53, 54])
        for row in rows {
            let size = try FileManager.default.attributesOfItem(atPath: row["path"])[.size] as? Int
            #expect(row["length"] as Int64 == Int64(size ?? -1))
        }
    }
}

extension EncryptedSegmentTests {
    @Test func aBadEncryptionSettingIsRefusedNamingItsKeyOrFlag() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let config = scratch.file("logonym.toml")
        func check(_ output: String) throws -> CLI.Result {
            try """
            [state]
            dir = "\(scratch.file("state"))"
            [output]
            dir = "\(scratch.file("out"))"
            \(output)
            [[input]]
            name = "web"
            paths = ["/var/log/x.log"]
            """.write(toFile: config, atomically: true, encoding: .utf8)
            return try CLI.run(["check-config", config])
        }
        #expect(try check("encrypt = \"window\"\nrecipients = [\"\(AgeTestsKeys.recipient)\"]").status == 0)
        let mode = try check("encrypt = \"yes\"")
        #expect(mode.status == 2)
        #expect(
            mode.stdoutText.contains("output.encrypt: 'yes' is not an encryption mode; use one of window"),
            "\(mode.stdoutText)"
        )
        let bad = try check("encrypt = \"window\"\nrecipients = [\"age1qqqq\"]")
        #expect(bad.status == 2)
        #expect(
            bad.stdoutText.contains("output.recipients: 'age1qqqq' is not an age X25519 recipient"),
            "\(bad.stdoutText)"
        )
        let alone = try check("recipients = [\"\(AgeTestsKeys.recipient)\"]")
        #expect(alone.status == 2)
        #expect(alone.stdoutText.contains("output.recipients: goes with output.encrypt = \"window\""))
        let plain = try check("encrypt = \"window\"\ncompress = false")
        #expect(plain.status == 2)
        #expect(plain.stdoutText.contains("output.encrypt: needs output.compress = true"))
        let flag = try CLI.run([
            "anonymize", "--window", "1h", "--output-dir", scratch.file("o"), "--state-dir", scratch.file("s"),
            "--recipient", AgeTestsKeys.recipient, "/dev/null",
        ])
        #expect(flag.status == 2)
        #expect(flag.stderr.contains("--recipient goes with --encrypt window"))
    }
}

/// The age specification's example recipient.
enum AgeTestsKeys {
    static let recipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
}
