import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real nginx on 127.0.0.1: one server logging to a file that logrotate rotates mid-run, one logging through
/// syslog to logonym's socket. Every request must come out exactly once, anonymized.
@Suite(
    .serialized,
    .enabled(
        if: CLI.which("nginx") != nil || ProcessInfo.processInfo.environment["CI"] != nil,
        "needs nginx and curl (.ci/run installs them)"
    )
)
struct NginxTests {
    @Test func everyRequestAppearsExactlyOnceThroughARotation() async throws {
        let nginx = try #require(
            CLI.which("nginx") ?? ["/usr/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        )
        let socket = NSTemporaryDirectory() + "logonym-nginx-\(UUID().uuidString.prefix(6)).sock"
        let harness = try DaemonHarness(
            extraInputs: """
                [[input]]
                name = "syslog"
                type = "syslog"
                socket = "\(socket)"
                socket_mode = "0666"
                format = "combined"
                """
        )
        defer { harness.cleanup() }
        let root = harness.root
        let filePort = Int.random(in: 20_000..<40_000)
        let syslogPort = filePort + 1
        for directory in ["nginx", "nginx/tmp"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        let conf = """
            user root;
            worker_processes 2;
            daemon off;
            pid \(root)/nginx/nginx.pid;
            error_log \(root)/nginx/error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(root)/nginx/tmp/body;
                proxy_temp_path \(root)/nginx/tmp/proxy;
                fastcgi_temp_path \(root)/nginx/tmp/fastcgi;
                uwsgi_temp_path \(root)/nginx/tmp/uwsgi;
                scgi_temp_path \(root)/nginx/tmp/scgi;
                server {
                    listen 127.0.0.1:\(filePort);
                    access_log \(harness.log) combined;
                    location / { return 200 "ok\\n"; }
                }
                server {
                    listen 127.0.0.1:\(syslogPort);
                    access_log syslog:server=unix:\(socket),nohostname combined;
                    location / { return 200 "ok\\n"; }
                }
            }
            """
        try conf.write(toFile: root + "/nginx/nginx.conf", atomically: true, encoding: .utf8)
        try harness.start()
        try await Task.sleep(for: .milliseconds(500))  // the syslog socket exists before nginx starts
        // In the foreground, as a child of the test: stopped with SIGTERM at the end.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: nginx)
        server.arguments = ["-p", root + "/nginx", "-c", root + "/nginx/nginx.conf"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: root + "/nginx/nginx.pid") {
            try await Task.sleep(for: .milliseconds(100))
        }
        let half = 6000
        func requests(_ port: Int, _ range: ClosedRange<Int>) throws {
            // curl's URL globbing: one process, keep-alive, one request per number.
            let result = try CLI.runProgram(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/r/[\(range.lowerBound)-\(range.upperBound)]"]
            )
            #expect(result.status == 0, "curl: \(result.stderr)")
        }
        try requests(filePort, 1...half)
        try requests(syslogPort, 1...half)
        try harness.rotate("create\n    postrotate\n        kill -USR1 $(cat \(root)/nginx/nginx.pid)\n    endscript")
        try requests(filePort, (half + 1)...(2 * half))
        try requests(syslogPort, (half + 1)...(2 * half))
        try await Task.sleep(for: .milliseconds(3500))
        let stopped = harness.stop(signal: SIGTERM)
        #expect(
            stopped == 0,
            "the daemon ended with \(stopped.map(String.init) ?? "?") (a signal number if it crashed):\n\(harness.daemonLogTail())"
        )
        #expect(try harness.catchUp().status == 0)

        for input in ["web", "syslog"] {
            let text = String(decoding: try harness.output(input: input), as: UTF8.self)
            let lines = text.split(separator: "\n")
            var seen = [Int](repeating: 0, count: 2 * half + 1)
            for line in lines {
                #expect(line.hasPrefix("127.0.0.0 - - ["), "anonymized: \(line.prefix(40))")
                guard let start = line.range(of: "GET /r/"), let end = line[start.upperBound...].firstIndex(of: " "),
                    let number = Int(line[start.upperBound..<end]), number <= 2 * half
                else { continue }
                seen[number] += 1
            }
            #expect(lines.count == 2 * half, "\(input): \(lines.count) lines for \(2 * half) requests")
            #expect(seen.dropFirst().allSatisfy { $0 == 1 }, "\(input): every request exactly once")
        }
        #expect(FileManager.default.fileExists(atPath: harness.log + ".1"), "logrotate rotated the file")
    }
}
