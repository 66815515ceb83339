import Foundation
import GRDB
import LogonymIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A daemon under test: a scratch directory with `logs/`, `state/`, `out/` and a configuration file, the running
/// `logonym run` process, and helpers to write, rotate, kill and read back.
final class DaemonHarness: @unchecked Sendable {
    let root: String
    let config: String
    var process: Process?
    let input = "web"

    init(
        extraConfig: String = "",
        extraInputs: String = "",
        compress: Bool = true,
        outputExtra: String = "",
        window: String = "1h",
        method: String = "truncate",
        anonymizeExtra: String = "",
        paths: String = "logs/access.log",
        retention: String = "output = \"off\"",
        format: String = "combined"
    ) throws {
        root = NSTemporaryDirectory() + "logonym-daemon-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        config = root + "/logonym.toml"
        let text = """
            [state]
            dir = "state"
            [output]
            dir = "out"
            window = "\(window)"
            compress = \(compress)
            \(outputExtra)
            [anonymize]
            method = "\(method)"
            \(anonymizeExtra)
            [retention]
            \(retention)
            [daemon]
            poll_interval = "50ms"
            \(extraConfig)
            [[input]]
            name = "\(input)"
            paths = ["\(paths)"]
            format = "\(format)"
            \(extraInputs)

            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
    }

    var log: String { root + "/logs/access.log" }

    /// Stops the daemon and removes the directory (kept when LOGONYM_KEEP_TEST_DIRS is set, for a look).
    func cleanup() {
        stop(signal: SIGKILL)
        if ProcessInfo.processInfo.environment["LOGONYM_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Starts `logonym run` (stderr goes to `daemon.log`).
    func start(environment: [String: String] = [:], arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        let level = ProcessInfo.processInfo.environment["LOGONYM_TEST_LOG_LEVEL"] ?? "info"
        process.arguments = ["run", "--config", config, "--log-level", level] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let logPath = root + "/daemon.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Sends a signal and waits for the process to end; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32? {
        guard let process, process.isRunning else { return self.process?.terminationStatus }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// The last lines the daemon logged (for failure messages); after a crash, the lines before it and the first
    /// frames of its backtrace instead.
    func daemonLogTail(_ count: Int = 60) -> String {
        let text = (try? String(contentsOfFile: root + "/daemon.log", encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let crash = lines.firstIndex(where: { $0.contains("Fatal error") || $0.contains("Program crashed") }) {
            return lines[max(0, crash - 10)..<min(lines.count, crash + count - 10)].joined(separator: "\n")
        }
        return lines.suffix(count).joined(separator: "\n")
    }

    /// Runs `logonym run --once` to the end of every input.
    func catchUp() throws -> CLI.Result {
        try CLI.run(["run", "--config", config, "--once", "--log-level", "warning"])
    }

    /// The decompressed contents of every segment of the input, in window and part order.
    func output(input: String? = nil) throws -> [UInt8] {
        let directory = root + "/out/" + (input ?? self.input)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var bytes: [UInt8] = []
        for name in names.sorted(by: Self.segmentOrder) {
            bytes += try Self.decoded(directory + "/" + name)
        }
        return bytes
    }

    /// A file's bytes, decompressed if it is gzip.
    static func decoded(_ path: String) throws -> [UInt8] {
        let source = try InputOpener.open(path)
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            bytes += buffer.prefix(n)
        }
        return bytes
    }

    /// `2026-10-10T22.log.gz` before `2026-10-10T22.1.log.gz` before `2026-10-10T23.log.gz`.
    static func segmentOrder(_ a: String, _ b: String) -> Bool {
        func key(_ name: String) -> (String, Int) {
            let parts = name.split(separator: ".")
            let part = parts.count > 2 ? Int(parts[1]) ?? 0 : 0
            return (String(parts[0]), part)
        }
        return key(a) < key(b)
    }

    var segmentPaths: [String] {
        let directory = root + "/out/" + input
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
    }

    /// Runs logrotate once on the input with the given directives.
    func rotate(_ directives: String) throws {
        let conf = root + "/logrotate.conf"
        try "\(log) {\n    rotate 50\n    missingok\n    \(directives)\n}\n".write(
            toFile: conf,
            atomically: true,
            encoding: .utf8
        )
        let result = try CLI.runProgram(
            CLI.which("logrotate") ?? "/usr/sbin/logrotate",
            ["-f", "-s", root + "/logrotate.state", conf]
        )
        #expect(result.status == 0, "logrotate: \(result.stderr)")
    }

    /// What `logonym anonymize` makes of the same lines in one clean run: the reference output.
    static func reference(_ lines: [[UInt8]]) throws -> [UInt8] {
        let input = Data(lines.flatMap { $0 + [0x0A] })
        return Array(try CLI.run(["anonymize", "--format", "combined", "--summary", "none"], stdin: input).stdout)
    }

    /// The reasons of the losses recorded in the state database.
    func recordedLossReasons() throws -> [String] {
        try Self.query(root + "/state") { try String.fetchAll($0, sql: "SELECT reason FROM losses") }
    }

    /// Losses recorded in the state database.
    func recordedLosses() throws -> Int {
        try Self.query(root + "/state") { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM losses") ?? 0 }
    }

    /// Reads the state database of `stateDirectory` (read-only, as `logonym stats` does).
    static func query<T>(_ stateDirectory: String, _ read: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: stateDirectory + "/state.db", configuration: configuration)
        defer { try? queue.close() }
        return try queue.read(read)
    }
}

/// Appends batches of lines to a file from a background thread, opening and closing it for every batch (as a
/// shell's `>>` does), so that after a rename the next batch lands in the new file.
final class LogWriter: @unchecked Sendable {
    let path: String
    let lines: [[UInt8]]
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var written = 0

    init(path: String, lines: [[UInt8]]) {
        self.path = path
        self.lines = lines
    }

    func start(batch: ClosedRange<Int> = 20...150, pause: useconds_t = 5000) {
        let thread = Thread { [self] in
            var generator = SystemRandomNumberGenerator()
            var index = 0
            while index < lines.count {
                let count = min(Int.random(in: batch, using: &generator), lines.count - index)
                var bytes: [UInt8] = []
                for line in lines[index..<(index + count)] {
                    bytes += line
                    bytes.append(0x0A)
                }
                let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
                if fd >= 0 {
                    bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
                    close(fd)
                }
                index += count
                lock.lock()
                written = index
                lock.unlock()
                usleep(pause)
            }
            done.signal()
        }
        thread.start()
    }

    var isDone: Bool {
        lock.lock()
        defer { lock.unlock() }
        return written >= lines.count
    }

    func wait() { done.wait() }
}

/// Generated combined lines spanning a few hourly windows, every one different (a sequence number in the path).
func generatedLines(_ count: Int, malformedEvery: Int = 0) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    lines.reserveCapacity(count)
    let start = 1_791_633_336 - 3000  // 2026-10-10T11:05:36Z
    for i in 0..<count {
        let second = start + i * 7200 / max(count, 1)  // two hours of traffic
        let date = Date(timeIntervalSince1970: TimeInterval(second))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.day, .hour, .minute, .second], from: date)
        let time = String(format: "%02d/Oct/2026:%02d:%02d:%02d +0000", c.day!, c.hour!, c.minute!, c.second!)
        let client = i % 5 == 0 ? "2001:db8:\(i % 997):1::\(i % 89 + 1)" : "198.51.\(i % 200).\(i % 250 + 1)"
        if malformedEvery > 0 && i % malformedEvery == malformedEvery - 1 {
            lines.append(Array("garbage \(client) \(i)".utf8))
        } else {
            lines.append(
                Array(
                    #"\#(client) - - [\#(time)] "GET /item/\#(i)?page=2 HTTP/1.1" 200 \#(i % 5000) "-" "curl/8.5.0""#
                        .utf8
                )
            )
        }
    }
    return lines
}

/// Polls `condition` every 50 ms until it holds; fails the test after `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    Issue.record("timed out waiting until \(what)")
}
