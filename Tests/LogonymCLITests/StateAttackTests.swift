import Foundation
import GRDB
import LogonymCore
import Testing

@testable import LogonymIO

/// The two attacks of issue 14, run against a state directory the daemon wrote, with every key on disk: a search
/// over candidate addresses against the file fingerprints and tail hashes (whoever reads the output knows every
/// other byte of those lines), and a /24 membership test against the client sketches. Each is shown to work where
/// logonym gave it a handle (hashes of raw bytes, as before; a window key that still lives), and to recover
/// nothing otherwise.
@Suite(.serialized)
struct StateAttackTests {
    static let windowA = 1_893_456_000  // 2030-01-01T00: its key is destroyed by retention below
    static let windowB = windowA + 5 * 3600  // 2030-01-01T05: its key lives
    static let clientsA = ["198.51.100.7", "198.51.100.42", "198.51.100.213"]
    static let clientsB = ["203.0.113.5", "203.0.113.77", "203.0.113.199"]

    static func line(_ client: String, at time: Int, path: String) -> String {
        #"\#(client) - - [\#(RetentionTests.logTime(time))] "GET \#(path) HTTP/1.1" 200 5316 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0""#
    }

    /// The raw log: three lines of each window, one with an e-mail address in its query.
    static func log(lastOctetOfFirst first: Int = 7, lastOctetOfLast last: Int = 199) -> [UInt8] {
        var clientsA = Self.clientsA
        var clientsB = Self.clientsB
        clientsA[0] = "198.51.100.\(first)"
        clientsB[2] = "203.0.113.\(last)"
        var lines: [String] = []
        for (i, client) in clientsA.enumerated() {
            lines.append(
                line(client, at: windowA + 60 * i, path: i == 1 ? "/login?email=jane%40example.com" : "/a/\(i)")
            )
        }
        for (i, client) in clientsB.enumerated() { lines.append(line(client, at: windowB + 60 * i, path: "/b/\(i)")) }
        return Array(lines.joined(separator: "\n").utf8) + [0x0A]
    }

    struct Stolen {
        var fingerprintKey: [UInt8]
        var files: [(fingerprint: [UInt8], length: Int, tail: [UInt8], offset: Int64, scheme: Int)]
        var sketches: [(windowStart: Int64, sketch: HyperLogLog)]
        var metaKeys: [String]
        /// The client-sketch keys any key file on disk gives.
        var sketchKeys: [(UInt64, UInt64)]
    }

    static func steal(_ harness: DaemonHarness) throws -> Stolen {
        let queue = try DatabaseQueue(path: harness.root + "/state/state.db")
        defer { try? queue.close() }
        let keysDirectory = harness.root + "/state/keys"
        let keyFiles = (try? FileManager.default.contentsOfDirectory(atPath: keysDirectory)) ?? []
        return try queue.read { db in
            Stolen(
                fingerprintKey: Array(
                    try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fingerprint_key'") ?? Data()
                ),
                files: try Row.fetchAll(db, sql: "SELECT * FROM files").map { row in
                    (
                        Array(row["fingerprint"] as Data), row["fingerprint_length"], Array(row["tail"] as Data),
                        row["offset"], row["fingerprint_scheme"]
                    )
                },
                sketches: try Row.fetchAll(db, sql: "SELECT window_start, registers FROM sketches").compactMap { row in
                    HyperLogLog(registers: Array(row["registers"] as Data)).map { (row["window_start"], $0) }
                },
                metaKeys: try String.fetchAll(db, sql: "SELECT key FROM meta"),
                sketchKeys: try keyFiles.filter { $0.hasSuffix(".key") }.map {
                    KeyRing.sketchKey(of: try KeyFile.load(keysDirectory + "/" + $0))
                }
            )
        }
    }

    /// The addresses of a /24 that a sketch holds, tested under `key`: adding one that is in it changes nothing.
    static func members(of sketch: HyperLogLog, prefix: String, key: (UInt64, UInt64)) -> Set<String> {
        let hasher = SipHash(key: key)
        var found = Set<String>()
        for octet in 0...255 {
            let text = Array("\(prefix).\(octet)".utf8)
            guard let address = text.withUnsafeBufferPointer({ IPAddress.parse($0, from: 0, to: $0.count) }) else {
                continue
            }
            var copy = sketch
            copy.add(hasher.hash(address))
            if copy == sketch { found.insert("\(prefix).\(octet)") }
        }
        return found
    }

    @Test func neitherFingerprintsNorSketchesGiveAnAddressBack() throws {
        let harness = try DaemonHarness(retention: "output = \"off\"\nkeys = \"1h\"")
        defer { harness.cleanup() }
        try Data(Self.log()).write(to: URL(fileURLWithPath: harness.log))
        let run = try CLI.run(["run", "--config", harness.config, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        // Retention at 03:00: window A ended at 01:00, its key is past `keys = 1h`; window B's is not.
        let sweep = try CLI.run(["retention", "--config", harness.config, "--now", "2030-01-01T03:00:00Z"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let stolen = try Self.steal(harness)
        #expect(!stolen.metaKeys.contains("client_hash_key"), "no client-sketch key in the database")
        #expect(stolen.sketchKeys.count == 1, "window B's key lives, window A's was destroyed")

        // Fingerprint and tail: every candidate for the first and the last line's address gives the stored hashes,
        // where hashes of the raw bytes (scheme 1, before issue 14) single out the true one.
        let fingerprints = Fingerprints(key: stolen.fingerprintKey)
        let file = try #require(stolen.files.first { $0.offset > 0 })
        #expect(file.scheme == Fingerprints.scheme)
        let end = Int(file.offset)
        var headMatches = 0
        var tailMatches = 0
        var rawHeadMatches: [Int] = []
        var rawTailMatches: [Int] = []
        let truth = Self.log()
        let rawLength = min(Fingerprints.legacyHeadLength, truth.count)
        let rawHead = fingerprints.fingerprint(ofRaw: truth[...], length: rawLength, scheme: 1)
        let rawTail = fingerprints.tailHash(truth[..<end], scheme: 1)
        for octet in 0...255 {
            let first = Self.log(lastOctetOfFirst: octet)
            if fingerprints.fingerprint(ofRaw: first.prefix(Fingerprints.headReadLength), length: file.length)
                == file.fingerprint
            {
                headMatches += 1
            }
            if fingerprints.fingerprint(ofRaw: first[...], length: rawLength, scheme: 1) == rawHead {
                rawHeadMatches.append(octet)
            }
            let last = Self.log(lastOctetOfLast: octet)
            let lastEnd = last.count
            if fingerprints.tailHash(last[max(0, lastEnd - Fingerprints.tailLength)..<lastEnd]) == file.tail {
                tailMatches += 1
            }
            if fingerprints.tailHash(last[..<lastEnd], scheme: 1) == rawTail { rawTailMatches.append(octet) }
        }
        #expect(rawHeadMatches == [7] && rawTailMatches == [199], "the search works on hashes of raw bytes")
        #expect(headMatches == 256, "the fingerprint tells no candidate from another")
        #expect(tailMatches == 256, "the tail hash tells no candidate from another")

        // Sketches: window A's clients with every key on disk (its own was destroyed), and both windows' clients
        // without the key directory, are not found; window B's are, with its live key (what the key allows anyway).
        let sketchA = try #require(stolen.sketches.first { $0.windowStart == Int64(Self.windowA) }?.sketch)
        let sketchB = try #require(stolen.sketches.first { $0.windowStart == Int64(Self.windowB) }?.sketch)
        for key in stolen.sketchKeys {
            #expect(Self.members(of: sketchA, prefix: "198.51.100", key: key).isDisjoint(with: Self.clientsA))
        }
        let live = Self.members(of: sketchB, prefix: "203.0.113", key: stolen.sketchKeys[0])
        #expect(live.isSuperset(of: Self.clientsB) && live.count <= 4, "the attack works with a live key: \(live)")
        let guessed = (UInt64(0x6C6F_676F_6E79_6D21), UInt64(0))
        #expect(Self.members(of: sketchB, prefix: "203.0.113", key: guessed).isDisjoint(with: Self.clientsB))
    }

    /// After `forget`, the window's sketch no longer holds the address for whoever has the live key (the sketch of
    /// a window an erasure rewrote is deleted).
    @Test func forgetTakesTheAddressOutOfTheSketchesToo() throws {
        let harness = try DaemonHarness(method: "hmac")
        defer { harness.cleanup() }
        try Data(Self.log()).write(to: URL(fileURLWithPath: harness.log))
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        let before = try Self.steal(harness)
        let keys = before.sketchKeys
        #expect(keys.count == 2)
        let sketchA = try #require(before.sketches.first { $0.windowStart == Int64(Self.windowA) }?.sketch)
        #expect(keys.contains { Self.members(of: sketchA, prefix: "198.51.100", key: $0).contains(Self.clientsA[1]) })
        let forget = try CLI.run(["forget", "--config", harness.config, "--address", Self.clientsA[1]])
        #expect(forget.status == 0, "\(forget.stderr)")
        let after = try Self.steal(harness)
        for row in after.sketches {
            for key in keys {
                #expect(!Self.members(of: row.sketch, prefix: "198.51.100", key: key).contains(Self.clientsA[1]))
            }
        }
        #expect(after.sketches.map(\.windowStart) == [Int64(Self.windowB)], "window A's sketch went")
    }

    @Test func sketchesOfWindowsPastOutputRetentionAreDeleted() throws {
        let harness = try DaemonHarness(retention: "output = \"2h\"")
        defer { harness.cleanup() }
        try Data(Self.log()).write(to: URL(fileURLWithPath: harness.log))
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        #expect(try Self.steal(harness).sketches.count == 2)
        // At 04:00 window A (ended 01:00) is past two hours of output retention; window B is not.
        let sweep = try CLI.run(["retention", "--config", harness.config, "--now", "2030-01-01T04:00:00Z"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        #expect(try Self.steal(harness).sketches.map(\.windowStart) == [Int64(Self.windowB)])
    }
}

/// A state database written before the mask (scheme 1: hashes of raw bytes) still finds its files, renamed since,
/// and hashes them again the new way: nothing is lost or doubled by the upgrade.
struct FingerprintUpgradeTests {
    @Test func filesRecordedWithRawHashesAreFoundAndHashedAgain() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let lines = generatedLines(120)
        let world = LogDirectory(live: harness.log, keepsTime: false)
        try world.append(lines[0..<60])
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        // Make the records what logonym wrote before issue 14.
        try Self.makeRawHashed(harness)
        // Down: more lines, then a rotation (the file is found by its old hashes under its new name).
        try world.append(lines[60..<90])
        try world.rotate(.rename(compress: false, delay: false))
        try world.append(lines[90..<120])
        let result = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try harness.output() == (try DaemonHarness.reference(Array(lines))), "\(result.stderr.suffix(1500))")
        let schemes = try DatabaseQueue(path: harness.root + "/state/state.db").read { db in
            try Int.fetchAll(db, sql: "SELECT fingerprint_scheme FROM files")
        }
        #expect(!schemes.isEmpty && schemes.allSatisfy { $0 == Fingerprints.scheme }, "\(schemes)")
        // The same for a finished file still on disk (access.log.1, let go once quiet for two seconds) and the one
        // being read.
        usleep(2_500_000)
        #expect(try CLI.run(["run", "--config", harness.config, "--once"]).status == 0)
        try Self.makeRawHashed(harness)
        let again = try CLI.run(["run", "--config", harness.config, "--once", "--log-level", "info"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try harness.output() == (try DaemonHarness.reference(Array(lines))), "\(again.stderr.suffix(1500))")
        let rows = try DatabaseQueue(path: harness.root + "/state/state.db").read { db in
            try Row.fetchAll(db, sql: "SELECT state, fingerprint_scheme FROM files").map {
                ($0["state"] as String, $0["fingerprint_scheme"] as Int)
            }
        }
        #expect(rows.contains { $0.0 == "finished" }, "\(rows)")
        #expect(rows.allSatisfy { $0.1 == Fingerprints.scheme }, "\(rows)")
    }

    /// Rewrites every file record as logonym wrote it before issue 14: hashes of raw bytes (scheme 1).
    static func makeRawHashed(_ harness: DaemonHarness) throws {
        let queue = try DatabaseQueue(path: harness.root + "/state/state.db")
        defer { try? queue.close() }
        try queue.write { db in
            let key = Array(try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fingerprint_key'")!)
            let fingerprints = Fingerprints(key: key)
            for row in try Row.fetchAll(db, sql: "SELECT id, path, offset FROM files") {
                let raw = Array(try Data(contentsOf: URL(fileURLWithPath: row["path"] as String)))
                let offset = Int(row["offset"] as Int64)
                let length = min(Fingerprints.legacyHeadLength, raw.count)
                try db.execute(
                    sql: """
                        UPDATE files SET fingerprint = ?, fingerprint_length = ?, tail = ?, fingerprint_scheme = 1
                        WHERE id = ?
                        """,
                    arguments: [
                        Data(fingerprints.fingerprint(ofRaw: raw[...], length: length, scheme: 1)), length,
                        Data(fingerprints.tailHash(raw[..<offset], scheme: 1)), row["id"] as Int64,
                    ]
                )
            }
        }
    }

    @Test func batchFilesRecordedWithRawHashesAreStillSkipped() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let archives = BatchResumeTests.archives
        #expect(try CLI.run(BatchResumeTests.arguments(scratch, archives)).status == 0)
        let queue = try DatabaseQueue(path: scratch.file("state/state.db"))
        try queue.write { db in
            let key = Array(try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fingerprint_key'")!)
            let fingerprints = Fingerprints(key: key)
            for row in try Row.fetchAll(db, sql: "SELECT id, path, offset FROM batch_files") {
                let decoded = try DaemonHarness.decoded(row["path"] as String)
                let onDisk = Array(try Data(contentsOf: URL(fileURLWithPath: row["path"] as String)))
                let length = min(Fingerprints.legacyHeadLength, decoded.count)
                let offset = Int(row["offset"] as Int64)
                try db.execute(
                    sql:
                        "UPDATE batch_files SET head = ?, head_length = ?, tail = ?, raw_tail = ?, scheme = 1 WHERE id = ?",
                    arguments: [
                        Data(fingerprints.fingerprint(ofRaw: decoded[...], length: length, scheme: 1)), length,
                        Data(fingerprints.tailHash(decoded[..<offset], scheme: 1)),
                        Data(fingerprints.tailHash(onDisk[...], scheme: 1)), row["id"] as Int64,
                    ]
                )
            }
        }
        try queue.close()
        let before = try BatchResumeTests.segmentFiles(scratch.file("out/batch"))
        let again = try CLI.run(BatchResumeTests.arguments(scratch, archives))
        #expect(again.status == 0, "\(again.stderr)")
        let (inputs, _) = try BatchResumeTests.batchSummary(again)
        #expect(inputs.map { $0["batch"] as? String } == ["skipped", "skipped", "skipped"])
        let unchanged = try BatchResumeTests.segmentFiles(scratch.file("out/batch")) == before
        #expect(unchanged)
    }
}
