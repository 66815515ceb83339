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
    /// Starts nginx in the foreground (a child of the test, stopped with SIGTERM by the caller) with `servers` in its
    /// `http` block, under `root/nginx`.
    static func startNginx(root: String, servers: String, httpExtra: String = "") async throws -> Process {
        let nginx = try #require(
            CLI.which("nginx") ?? ["/usr/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        )
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
                \(httpExtra)
            \(servers)
            }
            """
        try conf.write(toFile: root + "/nginx/nginx.conf", atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: nginx)
        server.arguments = ["-p", root + "/nginx", "-c", root + "/nginx/nginx.conf"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: root + "/nginx/nginx.pid") {
            try await Task.sleep(for: .milliseconds(100))
        }
        return server
    }

    @Test func everyRequestAppearsExactlyOnceThroughARotation() async throws {
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
        let servers = """
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
            """
        try harness.start()
        try await Task.sleep(for: .milliseconds(500))  // the syslog socket exists before nginx starts
        let server = try await Self.startNginx(root: root, servers: servers)
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
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

    /// One nginx serving three customers' sites and an unknown one into one shared log (the host first, as
    /// `vhost_combined`): each tenant's segments hold exactly its requests, under its own method.
    @Test func aSharedLogOfSeveralCustomersIsSplitByTenant() async throws {
        let harness = try DaemonHarness(
            extraConfig: TenantTests.tenantsConfig,
            compress: false,
            format: "vhost_combined"
        )
        defer { harness.cleanup() }
        let port = Int.random(in: 20_000..<40_000)
        let servers = """
                server {
                    listen 127.0.0.1:\(port);
                    server_name shop.acme.example beta.example eu.gamma.example other.example;
                    access_log \(harness.log) vhosts;
                    location / { return 200 "ok\\n"; }
                }
            """
        let format =
            #"log_format vhosts '$host:$server_port $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';"#
        try harness.start()
        let server = try await Self.startNginx(root: harness.root, servers: servers, httpExtra: format)
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        let sites = [("shop.acme.example", "acme"), ("beta.example", "beta"), ("eu.gamma.example", "gamma")]
        for (host, _) in sites + [("other.example", "")] {
            let result = try CLI.runProgram(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "-H", "Host: \(host)", "http://127.0.0.1:\(port)/\(host)/[1-200]"]
            )
            #expect(result.status == 0, "curl: \(result.stderr)")
        }
        try await Task.sleep(for: .milliseconds(1500))
        let stopped = harness.stop(signal: SIGTERM)
        #expect(stopped == 0, "\(harness.daemonLogTail())")
        for (host, tenant) in sites {
            let lines = String(decoding: try harness.output(input: "\(tenant)/web"), as: UTF8.self).split(
                separator: "\n"
            )
            #expect(lines.count == 200, "\(tenant): \(lines.count) lines")
            #expect(lines.allSatisfy { $0.hasPrefix("\(host):\(port) ") && $0.contains("GET /\(host)/") })
            #expect(!lines.contains { $0.contains(" 127.0.0.1 ") }, "\(tenant): no raw client")
            if tenant == "beta" { #expect(lines.allSatisfy { $0.contains(" 127.0.0.0 - ") }) }
        }
        let stats = try CLI.run(["stats", "--config", harness.config, "--by", "reason", "--json"])
        let totals = try #require(try CLI.jsonObject(stats.stdout)["totals"] as? [String: Any])
        #expect(totals["dropped_unrouted"] as? Int == 200)
        #expect(totals["lines_read"] as? Int == 800)
    }
}
