import Foundation
import GRDB
import Testing

/// Inputs that must be refused with a message, never crash or be taken silently: a hostile configuration file, a
/// state database from a newer logonym, and `truncate` prefixes that keep the whole address.
struct ConfigLimitTests {
    static let valid = """
        [state]
        dir = "state"
        [output]
        dir = "out"
        [[input]]
        name = "web"
        paths = ["access.log"]

        """

    @Test(arguments: [
        (
            "a = " + String(repeating: "[", count: 100_000),
            "big.toml:1: -: arrays are nested more than 32 deep (the limit)"
        ),
        (
            "x = 1\n" + String(repeating: "a.", count: 40) + "b = 1",
            "big.toml:2: -: a key has more than 16 dotted parts (the limit)"
        ),
        ("\n\ns = \"" + String(repeating: "x", count: 70_000) + "\"", "big.toml:3: -: a string is longer than 65536"),
        ("a = [" + String(repeating: "1,", count: 10_001) + "]", "big.toml:1: -: an array has more than 10000 items"),
        (String(repeating: "#", count: 2 << 20), "big.toml: -: the file is larger than 1048576 bytes (the limit)"),
        (String(repeating: "k", count: 300) + " = 1", "big.toml:1: -: a key is longer than 256 characters"),
    ])
    func aFileBeyondTheReadersLimitsExitsTwoNamingTheLineAndTheLimit(_ text: String, _ message: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("big.toml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(!result.killed, "killed by signal \(result.status)")
        #expect(result.status == 2)
        #expect(result.stdoutText.hasPrefix(scratch.path + "/" + message), "\(result.stdoutText.prefix(300))")
    }

    @Test func arraysNestedUpToTheLimitAreRead() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("nested.toml")
        let nested = String(repeating: "[", count: 32) + "\"x\"" + String(repeating: "]", count: 32)
        try (Self.valid + "json_address_keys = \(nested)\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 2)
        // Read, then refused for where it stands, not for its depth.
        #expect(result.stdoutText.contains("input[0].json_address_keys: unknown key"), "\(result.stdoutText)")
        #expect(!result.stdoutText.contains("the limit"))
    }

    @Test(arguments: [
        ("ipv4_prefix = 32", "anonymize.ipv4_prefix: must be 0 to 31, not 32: a /32 keeps the whole address"),
        ("ipv6_prefix = 128", "anonymize.ipv6_prefix: must be 0 to 127, not 128: a /128 keeps the whole address"),
    ])
    func truncatePrefixesThatKeepTheWholeAddressAreRefused(_ line: String, _ message: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("prefix.toml")
        try (Self.valid.replacingOccurrences(of: "[[input]]", with: "[anonymize]\n\(line)\n[[input]]"))
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 2)
        #expect(result.stdoutText.contains("prefix.toml:6: " + message), "\(result.stdoutText)")
    }

    @Test func aStateDatabaseFromANewerLogonymIsRefusedNamingBothVersions() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let arguments = [
            "anonymize", CLI.fixture("generated-combined.log.gz"), "--window", "1h", "--output-dir",
            scratch.file("out"), "--state-dir", scratch.file("state"), "--summary", "none",
        ]
        #expect(try CLI.run(arguments).status == 0)
        let queue = try DatabaseQueue(path: scratch.file("state/state.db"))
        let current = try queue.write { db in
            let last = try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC")
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            return last
        }
        try queue.close()
        let known = try #require(current)

        for command in [arguments, ["stats", "--state-dir", scratch.file("state")]] {
            let result = try CLI.run(command)
            #expect(result.status == 2, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("state.db: was written by a newer logonym"), "\(result.stderr)")
            #expect(result.stderr.contains("'v99-from-the-future'") && result.stderr.contains("'\(known)'"))
        }
    }
}
