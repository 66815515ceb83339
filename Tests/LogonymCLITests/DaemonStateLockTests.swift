import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Found by the attack on issue 16: a running daemon lost SQLite's POSIX locks on state.db (StateStore.init settled
/// the access of state.db, -wal and -shm by opening and closing them after the pool was open), so the next other
/// process to close its connection (`stats`, `forget`, `retention`) checkpointed and deleted the WAL and SHM the
/// daemon still used. From then on the daemon and the commands saw different WALs: a second maintenance request was
/// never served (the command waited its whole timeout). Files are now settled through `O_PATH` descriptors.
@Suite(.serialized)
struct DaemonStateLockTests {
    /// Descriptors of the daemon that point at deleted files of the state directory.
    static func deletedStateFiles(_ pid: Int32) -> [String] {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
            .filter { $0.contains("/state/state.db") && $0.hasSuffix("(deleted)") }
    }

    @Test func aRunningDaemonKeepsItsWALAndServesEveryRequest() throws {
        let daemon = try DaemonHarness(method: "hmac")
        defer { daemon.cleanup() }
        let line = #"198.51.100.7 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8""#
        try Data((Array(repeating: line, count: 50).joined(separator: "\n") + "\n").utf8)
            .write(to: URL(fileURLWithPath: daemon.log))
        try daemon.start()
        defer { _ = daemon.stop() }
        usleep(3_000_000)
        let pid = try #require(daemon.process?.processIdentifier)

        _ = try CLI.run(["stats", "--config", daemon.config])
        #expect(Self.deletedStateFiles(pid).isEmpty, "stats deleted the daemon's WAL/SHM")

        for attempt in 0..<3 {
            let started = Date()
            let result = try CLI.run(["retention", "--config", daemon.config, "--json"])
            #expect(result.status == 0, "retention \(attempt): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 10, "retention \(attempt) waited for the daemon")
        }
        #expect(Self.deletedStateFiles(pid).isEmpty, "a maintenance command deleted the daemon's WAL/SHM")
    }
}
