import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Who can read what logonym writes, whatever the umask it was started with.
@Suite(.serialized)
struct PermissionTests {
    static func info(_ path: String) throws -> stat {
        var info = stat()
        #expect(lstat(path, &info) == 0, "\(path)")
        return info
    }

    /// Runs `run --once` over a few lines under `umask`, with `extra` added to the configuration.
    static func runOnce(umask: String, state: String = "", output: String = "") throws -> DaemonHarness {
        let harness = try DaemonHarness(method: "hmac", retention: "output = \"off\"")
        var text = try String(contentsOfFile: harness.config, encoding: .utf8)
        text = text.replacingOccurrences(of: "dir = \"state\"\n", with: "dir = \"state\"\n\(state)\n")
        text = text.replacingOccurrences(of: "dir = \"out\"\n", with: "dir = \"out\"\n\(output)\n")
        try text.write(toFile: harness.config, atomically: true, encoding: .utf8)
        try Data(generatedLines(20).flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: harness.log))
        let result = try CLI.runProgram(
            "/bin/sh",
            ["-c", "umask \(umask) && '\(CLI.binary)' run --config '\(harness.config)' --once --log-level warning"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        return harness
    }

    @Test(arguments: ["022", "077"])
    func segmentsAre0640AuditFiles0600AndKeysOwnerOnlyWhateverTheUmask(_ umask: String) throws {
        let harness = try Self.runOnce(umask: umask)
        defer { harness.cleanup() }
        #expect(!harness.segmentPaths.isEmpty)
        for segment in harness.segmentPaths {
            #expect(try Self.info(segment).st_mode & 0o777 == 0o640, "\(segment)")
        }
        let state = harness.root + "/state"
        #expect(try Self.info(state).st_mode & 0o777 == 0o700)
        #expect(try Self.info(state + "/keys").st_mode & 0o777 == 0o700)
        let keys = try FileManager.default.contentsOfDirectory(atPath: state + "/keys")
        for name in keys { #expect(try Self.info(state + "/keys/" + name).st_mode & 0o777 == 0o600, "\(name)") }
        let audit = try FileManager.default.contentsOfDirectory(atPath: state + "/audit")
        #expect(!audit.isEmpty)
        for name in audit { #expect(try Self.info(state + "/audit/" + name).st_mode & 0o777 == 0o600, "\(name)") }
        for name in try FileManager.default.contentsOfDirectory(atPath: state) where name.hasPrefix("state.db") {
            #expect(try Self.info(state + "/" + name).st_mode & 0o777 == 0o600, "\(name)")
        }
    }

    /// `output.group` and `state.group` hand segments and the state database (with its WAL and SHM) to a group,
    /// 0640; the state directory logonym creates is 0710 to it, so its members reach `state.db` but not `keys/`.
    @Test(.enabled(if: getuid() == 0 && getgrnam("nogroup") != nil, "needs root and the group nogroup"))
    func configuredGroupsGetTheOutputsAndTheStateDatabase() throws {
        let gid = try #require(getgrnam("nogroup")).pointee.gr_gid
        let harness = try Self.runOnce(
            umask: "022",
            state: "group = \"nogroup\"",
            output: "group = \"nogroup\""
        )
        defer { harness.cleanup() }
        for segment in harness.segmentPaths {
            let info = try Self.info(segment)
            #expect(info.st_mode & 0o777 == 0o640 && info.st_gid == gid, "\(segment)")
        }
        let state = harness.root + "/state"
        let directory = try Self.info(state)
        #expect(directory.st_mode & 0o777 == 0o710 && directory.st_gid == gid)
        #expect(try Self.info(state + "/keys").st_mode & 0o777 == 0o700)
        let database = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasPrefix("state.db") }
        #expect(database.contains("state.db"))
        for name in database {
            let info = try Self.info(state + "/" + name)
            #expect(info.st_mode & 0o777 == 0o640 && info.st_gid == gid, "\(name)")
        }
        // Others: nothing.
        for name in database { #expect(try Self.info(state + "/" + name).st_mode & 0o007 == 0, "\(name)") }
        // A member of the group who is not the owner reads the stats, with the daemon stopped; another user cannot.
        func stats(groups: [String]) throws -> CLI.Result {
            try CLI.runProgram(
                "/usr/bin/setpriv",
                ["--reuid=65534"] + groups + [CLI.binary, "stats", "--state-dir", state, "--json"]
            )
        }
        let member = try stats(groups: ["--regid=\(gid)", "--clear-groups"])
        #expect(member.status == 0, "stats as a member of the group: \(member.stderr)")
        #expect((try? CLI.jsonObject(member.stdout)) != nil, "\(member.stdoutText.prefix(200))")
        let other = try stats(groups: ["--regid=12345", "--clear-groups"])
        #expect(other.status != 0, "a user outside the group reads nothing")
        // The member's read waits in the inbox (1730 to the group) until the owner's next logonym records it in the
        // chain, under the file's owner.
        let inbox = try Self.info(state + "/audit-inbox")
        #expect(inbox.st_mode & 0o7777 == 0o1730 && inbox.st_gid == gid)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/audit-inbox").count == 1)
        let audit = try CLI.run(["audit", "--state-dir", state, "--kind", "read", "--json"])
        let reads = audit.stdoutText.split(separator: "\n").compactMap { try? CLI.jsonObject(Data($0.utf8)) }
        #expect(reads.contains { $0["uid"] as? Int == 65534 && $0["command"] as? String == "stats" }, "\(reads)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/audit-inbox").isEmpty)
        #expect(try CLI.run(["audit", "--state-dir", state, "--verify"]).status == 0)
        // What a member writes there by hand reaches the log only as a known command, a range and counts; a
        // directory is removed and recorded once.
        let forged = state + "/audit-inbox/forged.json"
        try
            #"{"command":"stats 203.0.113.77","note":"client 203.0.113.77","path":"/etc/shadow","user":"root","uid":0,"returned":3}"#
            .write(toFile: forged, atomically: false, encoding: .utf8)
        chown(forged, 65534, gid)
        mkdir(state + "/audit-inbox/a-directory", 0o755)
        chown(state + "/audit-inbox/a-directory", 65534, gid)
        let again = try CLI.run(["audit", "--state-dir", state, "--kind", "read", "--json"])
        let taken = again.stdoutText.split(separator: "\n").compactMap { try? CLI.jsonObject(Data($0.utf8)) }
            .filter { $0["uid"] as? Int == 65534 && ($0["command"] as? String) == "unknown" }
        #expect(taken.count == 2, "\(taken)")
        #expect(taken.contains { $0["returned"] as? Int == 3 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/audit-inbox").isEmpty)
        _ = try CLI.run(["audit", "--state-dir", state])
        for name in try FileManager.default.contentsOfDirectory(atPath: state + "/audit") {
            let text = (try? String(contentsOfFile: state + "/audit/" + name, encoding: .utf8)) ?? ""
            #expect(!text.contains("203.0.113.77") && !text.contains("/etc/shadow"), "\(name)")
        }
    }

    @Test func anUnknownGroupIsAConfigurationErrorNamingTheKey() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("groups.toml")
        try """
        [state]
        dir = "state"
        group = "no-such-group-here"
        [output]
        dir = "out"
        group = "no-such-group-either"
        [[input]]
        name = "web"
        paths = ["access.log"]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 2)
        #expect(result.stdoutText.contains("groups.toml:3: state.group: no group named 'no-such-group-here'"))
        #expect(result.stdoutText.contains("groups.toml:6: output.group: no group named 'no-such-group-either'"))
    }
}
