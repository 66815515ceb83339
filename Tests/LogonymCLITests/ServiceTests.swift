import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A Unix datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    let fd: Int32

    init() throws {
        path = NSTemporaryDirectory() + "logonym-notify-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Messages received within `seconds`.
    func receive(for seconds: Double) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
        }
        return messages
    }

    /// Waits until a message containing `text` arrives; returns every message seen.
    func wait(for text: String, seconds: Double = 10) -> [String] {
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let batch = receive(for: 0.2)
            seen += batch
            if batch.contains(where: { $0.contains(text) }) { break }
        }
        return seen
    }
}

@Suite(.serialized)
struct ServiceTests {
    @Test func systemdHearsReadyWatchdogReloadAndStopping() throws {
        let harness = try DaemonHarness()
        defer { harness.cleanup() }
        let notify = try NotifySocket()
        try harness.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "300000"])
        let startup = notify.wait(for: "READY=1")
        #expect(startup.contains { $0.contains("READY=1") })
        let running = notify.receive(for: 1.2)
        #expect(running.filter { $0 == "WATCHDOG=1" }.count >= 3, "WATCHDOG=1 at least every 150 ms: \(running)")

        // An invalid configuration on SIGHUP: the old one keeps running.
        let good = try String(contentsOfFile: harness.config, encoding: .utf8)
        try (good + "\n[colour]\nbogus = 1\n").write(toFile: harness.config, atomically: true, encoding: .utf8)
        kill(harness.process!.processIdentifier, SIGHUP)
        let reload = notify.wait(for: "READY=1")
        #expect(reload.contains { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
        #expect(harness.process?.isRunning == true)

        // A valid one is taken.
        try good.write(toFile: harness.config, atomically: true, encoding: .utf8)
        kill(harness.process!.processIdentifier, SIGHUP)
        #expect(notify.wait(for: "READY=1").contains { $0.contains("RELOADING=1") })

        let started = Date()
        let status = harness.stop(signal: SIGTERM)
        #expect(status == 0)
        #expect(Date().timeIntervalSince(started) < 5, "SIGTERM stops within 5 s")
        #expect(notify.receive(for: 0.3).contains("STOPPING=1"))
        let log = try String(contentsOfFile: harness.root + "/daemon.log", encoding: .utf8)
        #expect(log.contains("colour: unknown key"))
        #expect(log.contains("keeping the running one"))
    }

    @Test func checkConfigReportsEveryProblemWithItsKeyAndLine() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.file("bad.toml")
        try """
        [state]
        dir = "/etc/hostname/state"
        [output]
        dir = "out"
        window = "2h"
        compress = "yes"
        colour = "blue"
        [anonymize]
        method = "hmac"
        key_file = "missing.key"
        ipv4_prefix = 40
        [daemon]
        poll_interval = "soon"
        [[input]]
        name = "web"
        paths = ["/var/log/nginx/access.log"]
        format = "fancy"
        start_at = "middle"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLI.run(["check-config", path])
        #expect(result.status == 2)
        let expected = [
            "bad.toml:7: output.colour: unknown key",
            "bad.toml:2: state.dir: /etc/hostname/state does not exist and cannot be created",
            "bad.toml:5: output.window: '2h' is not a window",
            "bad.toml:6: output.compress: must be true or false, not a string",
            "bad.toml:11: anonymize.ipv4_prefix: must be 0 to 31, not 40",
            "bad.toml:10: anonymize.key_file:",
            "bad.toml:13: daemon.poll_interval: 'soon' is not a duration",
            "bad.toml:17: input[0].format: 'fancy' is not a format",
            "bad.toml:18: input[0].start_at: 'middle' must be \"beginning\" or \"end\"",
        ]
        for text in expected {
            #expect(result.stdoutText.contains(text), "missing: \(text)\n\(result.stdoutText)")
        }
        #expect(result.stdoutText.split(separator: "\n").count == expected.count)
    }

    @Test func theShippedConfigurationWorksAsShippedOnTheBundledSample() throws {
        let checkout = try Scratch()
        defer { checkout.cleanup() }
        // A copy of config/ next to a fresh .logonym, as in a checkout.
        let config = checkout.file("config")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        for name in ["logonym.toml", "sample-access.log.gz"] {
            try FileManager.default.copyItem(
                atPath: CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("config/" + name).path,
                toPath: config + "/" + name
            )
        }
        let check = try CLI.run(["check-config", config + "/logonym.toml"])
        #expect(check.status == 0, "\(check.stdoutText)")
        let run = try CLI.run(["run", "--config", config + "/logonym.toml", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try CLI.runProgram("/bin/sh", ["-c", "zcat '\(checkout.path)'/.logonym/out/sample/*.gz | wc -l"])
        #expect(lines.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "2000")
    }

    @Test(.enabled(if: CLI.which("systemd-analyze") != nil, "systemd-analyze is not installed: nothing verifies it"))
    func theUnitFileVerifies() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let unitPath = CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/logonym.service").path
        let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/logonym", with: CLI.binary)
        let copy = scratch.file("logonym.service")
        try unit.write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try CLI.runProgram(CLI.which("systemd-analyze")!, ["verify", copy])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("logonym.service:"), "\(result.stderr)")
        for directive in [
            "Type=notify", "ProtectSystem=strict", "ReadWritePaths=", "NoNewPrivileges=yes", "PrivateTmp=yes",
            "ProtectHome=yes", "CapabilityBoundingSet=\n", "RestrictAddressFamilies=",
            "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "IPAddressDeny=any",
            "IPAddressAllow=localhost", "ProtectProc=invisible", "ProcSubset=pid", "UMask=0077", "LimitCORE=0",
            "Environment=SWIFT_BACKTRACE=", "registers=none",
            "# LoadCredential=logonym.key:", "WatchdogSec=",
        ] {
            #expect(unit.contains(directive), "\(directive)")
        }
        #expect(!unit.contains("SupplementaryGroups=adm"), "the whole adm group also reads auth.log")
    }

    /// `systemd-analyze security` rates the shipped unit 1.5 or lower (0 is the best, 10 the worst).
    @Test(.enabled(if: CLI.which("systemd-analyze") != nil, "systemd-analyze is not installed: nothing rates the unit"))
    func theUnitIsRatedAtMostOnePointFiveBySystemdAnalyzeSecurity() throws {
        let analyze = try #require(CLI.which("systemd-analyze"))
        let unitPath = CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/logonym.service").path
        let result = try CLI.runProgram(analyze, ["security", "--offline=yes", "--no-pager", unitPath])
        let marker = "Overall exposure level for logonym.service: "
        let line = try #require(
            result.stdoutText.split(separator: "\n").first { $0.contains(marker) },
            "no overall level in: \(result.stdoutText) \(result.stderr)"
        )
        let score = try #require(Double(line.split(separator: ": ").last!.split(separator: " ").first!))
        #expect(score <= 1.5, "\(line)")
        let readme = try String(
            contentsOfFile: CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("README.md").path,
            encoding: .utf8
        )
        #expect(readme.contains(marker + String(format: "%.1f", score)), "the README prints the current score")
    }
}
