import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the running process gives away: core files and memory.
@Suite(.serialized)
struct HardeningTests {
    /// The owner of `/proc/PID/mem`: the process's user while it is dumpable, root once it is not (proc(5)).
    static func procOwner(_ pid: Int32) -> uid_t? {
        var info = stat()
        return stat("/proc/\(pid)/mem", &info) == 0 ? info.st_uid : nil
    }

    /// Runs a program as `nobody` (setpriv needs root).
    static func startAsNobody(_ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups"] + arguments
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        return process
    }

    /// The daemon, run as an ordinary user, is not dumpable: no core file, no ptrace or `/proc/PID/mem` for other
    /// processes of that user. A dumpable program run the same way (`sleep`) shows that the check can fail.
    @Test(
        .enabled(
            if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
            "needs root and /usr/bin/setpriv"
        )
    )
    func theDaemonIsNotDumpable() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let chown = try CLI.runProgram("/bin/chown", ["-R", "65534:65534", harness.root])
        #expect(chown.status == 0, "\(chown.stderr)")

        let control = try Self.startAsNobody(["/bin/sleep", "30"], log: harness.root + "/sleep.log")
        defer { control.terminate() }
        var owner: uid_t?
        for _ in 0..<100 where owner != 65534 {
            owner = Self.procOwner(control.processIdentifier)
            usleep(20_000)
        }
        #expect(owner == 65534, "a dumpable process of nobody owns its /proc/PID/mem")

        let daemon = try Self.startAsNobody(
            [CLI.binary, "run", "--config", harness.config],
            log: harness.root + "/daemon.log"
        )
        defer {
            kill(daemon.processIdentifier, SIGTERM)
            daemon.waitUntilExit()
        }
        // Well past the start of main: the state database exists.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !FileManager.default.fileExists(atPath: harness.root + "/state/state.db") {
            usleep(50_000)
        }
        #expect(daemon.isRunning, "\(harness.daemonLogTail())")
        #expect(Self.procOwner(daemon.processIdentifier) == 0, "the daemon's /proc/PID/mem belongs to root")
        let status = try String(contentsOfFile: "/proc/\(daemon.processIdentifier)/status", encoding: .utf8)
        #expect(status.contains("Uid:\t65534"), "it runs as nobody: \(status.prefix(400))")
    }
}
