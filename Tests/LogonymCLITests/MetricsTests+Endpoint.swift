import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The endpoint under hostile clients: slow ones, many at once, oversized heads, and a shutdown while they are open.
/// The daemon's limits are the defaults: 5 s to send a request, 16 KiB heads.
extension MetricsTests {
    /// A daemon serving metrics on a random loopback port, started and answering.
    static func daemonServingMetrics() throws -> (DaemonHarness, port: Int) {
        let port = Int.random(in: 20_000...40_000)
        let daemon = try DaemonHarness(extraConfig: "[metrics]\nlisten = \"127.0.0.1:\(port)\"")
        try daemon.start()
        try waitUntil("the metrics endpoint answers") {
            (try? RawConnection.get(port: port, "/metrics"))?.response?.status == 200
        }
        return (daemon, port)
    }

    /// Sends a request head one byte a second on its own thread until the server closes the connection or
    /// `limit` passes; returns whether it was closed and when.
    final class SlowClient: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let progress = Mutex<(bytesSent: Int, closedAfter: Duration?)>((0, nil))

        init(port: Int, limit: Duration) throws {
            let connection = try RawConnection(port: port)
            let head = Array("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: one-byte-a-second\r\n\r\n".utf8)
            let start = ContinuousClock.now
            Thread { [self] in
                defer { done.signal() }
                for byte in head where ContinuousClock.now - start < limit {
                    guard connection.send([byte]) else { break }
                    progress.withLock { $0.bytesSent += 1 }
                    // Waiting for the next second doubles as watching for the server's close.
                    if connection.waitForClose(timeout: .seconds(1)) {
                        progress.withLock { $0.closedAfter = ContinuousClock.now - start }
                        return
                    }
                }
            }.start()
        }

        var bytesSent: Int { progress.withLock { $0.bytesSent } }
        /// When the server closed the connection, counted from its start; `nil` if it did not.
        var closedAfter: Duration? { progress.withLock { $0.closedAfter } }

        func wait() { done.wait() }
    }

    @Test func metricsAnswersEveryRequestWithin100msWhileASlowClientAnd200OtherConnectionsAreOpen() throws {
        let (daemon, port) = try Self.daemonServingMetrics()
        defer { daemon.cleanup() }
        var others: [RawConnection] = []
        for i in 0..<200 {
            let connection = try RawConnection(port: port)
            if i % 2 == 1 { connection.send("GET /metrics HTTP/1.1\r\nHost: 127") }
            others.append(connection)
        }
        // Connections are accepted in order: once this one is answered, the 200 above are open on the server too.
        #expect((try RawConnection.get(port: port, "/metrics")).response?.status == 200)
        let slow = try SlowClient(port: port, limit: .seconds(4))
        var latencies: [Duration] = []
        for _ in 0..<20 {
            let (response, latency) = try RawConnection.get(port: port, "/metrics")
            #expect(response?.status == 200)
            #expect(response?.isComplete == true)
            #expect(response?.bodyText.contains("# TYPE logonym_lines_read_total counter") == true)
            latencies.append(latency)
            usleep(100_000)
        }
        let milliseconds = latencies.map { Double($0 / .microseconds(1)) / 1000 }
        print("GET /metrics latencies (ms): \(milliseconds.map { String(format: "%.1f", $0) }.joined(separator: " "))")
        #expect(latencies.allSatisfy { $0 < .milliseconds(100) }, "latencies in ms: \(milliseconds)")
        #expect(slow.bytesSent > 0)
        slow.wait()
        withExtendedLifetime(others) {}
    }

    @Test func theReadDeadlineClosesASlowClientAndIdleConnections() throws {
        let (daemon, port) = try Self.daemonServingMetrics()
        defer { daemon.cleanup() }
        let silent = try RawConnection(port: port)
        let keptAlive = try RawConnection(port: port)
        keptAlive.send("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let first = keptAlive.readResponse()
        #expect(first?.status == 200, "a keep-alive request is answered and the connection stays open")
        #expect(first?.headers["connection"] == nil)
        // The deadline is 5 s; the slow client gives up after 10 s, long before its 70-byte head is sent.
        let slow = try SlowClient(port: port, limit: .seconds(10))
        slow.wait()
        let closedAfter = try #require(slow.closedAfter, "the server never closed the slow client")
        print("the slow client was closed after \(closedAfter), having sent \(slow.bytesSent) bytes")
        #expect(silent.waitForClose(timeout: .seconds(2)), "a connection that never sends is closed")
        #expect(keptAlive.waitForClose(timeout: .seconds(2)), "an idle keep-alive connection is closed")
        #expect((try RawConnection.get(port: port, "/metrics")).response?.status == 200)
    }

    @Test(arguments: ["headers", "request line"])
    func anOversizedRequestHeadGets431OrACloseAndTheServerKeepsServing(_ where: String) throws {
        let (daemon, port) = try Self.daemonServingMetrics()
        defer { daemon.cleanup() }
        let filler = String(repeating: "a", count: 1000)
        var request: String
        if `where` == "headers" {
            request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            for i in 0..<64 { request += "X-Filler-\(i): \(filler)\r\n" }
        } else {
            request = "GET /metrics?\(String(repeating: filler, count: 64)) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        }
        request += "\r\n"
        let connection = try RawConnection(port: port)
        connection.send(request)
        let (bytes, closed) = connection.readToEnd()
        let answer = String(decoding: bytes, as: UTF8.self)
        print("a 64 KiB head in the \(`where`) got: \(answer.split(separator: "\r\n").first ?? "nothing (closed)")")
        #expect(closed, "the connection is closed")
        #expect(bytes.isEmpty || answer.hasPrefix("HTTP/1.1 431 "), "\(answer.prefix(80))")
        #expect((try RawConnection.get(port: port, "/metrics")).response?.status == 200)
    }

    @Test func sigtermWithConnectionsOpenStopsTheDaemonCleanly() throws {
        let (daemon, port) = try Self.daemonServingMetrics()
        defer { daemon.cleanup() }
        var open: [RawConnection] = []
        for i in 0..<50 {
            let connection = try RawConnection(port: port)
            if i % 2 == 1 { connection.send("GET /metrics HTTP/1.1\r\n") }
            open.append(connection)
        }
        let keptAlive = try RawConnection(port: port)
        keptAlive.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(keptAlive.readResponse()?.status == 200)
        let process = try #require(daemon.process)
        let start = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        // Bounded only so that a hung daemon fails the test instead of hanging it.
        while process.isRunning && ContinuousClock.now - start < .seconds(15) { usleep(20_000) }
        #expect(!process.isRunning, "still running 15 s after SIGTERM")
        guard !process.isRunning else { return }
        print("the daemon exited \(ContinuousClock.now - start) after SIGTERM with \(open.count + 1) connections open")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "\(daemon.daemonLogTail())")
        #expect(!daemon.daemonLogTail().contains("error"), "\(daemon.daemonLogTail())")
        #expect(open.allSatisfy { $0.waitForClose(timeout: .seconds(1)) })
    }

    @Test func aUnixSocketEndpointIsMadeGroupWritableAndServesMetrics() throws {
        let path = NSTemporaryDirectory() + "logonym-metrics-\(UUID().uuidString.prefix(8)).sock"
        let daemon = try DaemonHarness(extraConfig: "[metrics]\nlisten = \"unix:\(path)\"")
        defer {
            daemon.cleanup()
            unlink(path)
        }
        try daemon.start()
        try waitUntil("the socket serves the metrics") {
            guard let connection = try? RawConnection(unixPath: path) else { return false }
            connection.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let response = HTTPTestResponse(connection.readToEnd().bytes)
            return response?.status == 200
                && response?.bodyText.contains("# TYPE logonym_lines_read_total counter") == true
        }
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660, "the socket's mode is \(String(info.st_mode & 0o777, radix: 8))")
    }
}

extension MetricsTests {
    @Test func aRequestInProgressAtShutdownIsAnsweredBeforeTheConnectionCloses() throws {
        let (daemon, port) = try Self.daemonServingMetrics()
        defer { daemon.cleanup() }
        let connection = try RawConnection(port: port)
        connection.send("POST /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nab")
        let process = try #require(daemon.process)
        kill(process.processIdentifier, SIGTERM)
        try waitUntil("the endpoint stops accepting connections", timeout: .seconds(10)) {
            (try? RawConnection(port: port)) == nil
        }
        connection.send("cde")
        let (bytes, closed) = connection.readToEnd()
        let response = HTTPTestResponse(bytes)
        #expect(
            response?.status == 405,
            "the request in progress is answered: \(String(decoding: bytes, as: UTF8.self))"
        )
        #expect(response?.bodyText == "only GET\n")
        #expect(closed, "and then the connection is closed")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(daemon.daemonLogTail())")
    }
}
