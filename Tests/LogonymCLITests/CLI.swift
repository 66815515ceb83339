import Foundation
import Testing

/// Runs the built `logonym` binary.
enum CLI {
    /// The binary next to the test bundle (both live in the build products directory).
    static let binary: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("logonym").path
    }()

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    struct Result {
        var status: Int32
        /// Whether a signal ended the process (`status` is then the signal).
        var killed = false
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `logonym` with arguments and optional standard input.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        try runProgram(binary, arguments, stdin: stdin, environment: environment)
    }

    static func runProgram(
        _ path: String,
        _ arguments: [String],
        stdin: Data? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let directory = NSTemporaryDirectory() + "logonym-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Files, not pipes: no deadlock however much is written.
        let outPath = directory + "/stdout"
        let errPath = directory + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let inPath = directory + "/stdin"
            _ = FileManager.default.createFile(atPath: inPath, contents: stdin)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            killed: process.terminationReason == .uncaughtSignal,
            stdout: try Data(contentsOf: URL(fileURLWithPath: outPath)),
            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self)
        )
    }

    /// The JSON summary, the last line of standard error.
    static func summary(_ result: Result) throws -> [String: Any] {
        let line = try #require(result.stderr.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// Runs GoAccess over a log with the given format options; returns its report's `general` object.
    static func goAccessSummary(_ log: String, _ options: [String], scratch: Scratch) throws -> [String: Any] {
        let report = scratch.file("report.json")
        let goaccess = try #require(which("goaccess"), "goaccess is installed by .ci/run")
        let result = try runProgram(goaccess, [log] + options + ["-o", report])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report)))
        return try #require((json as? [String: Any])?["general"] as? [String: Any])
    }

    /// Standard output parsed as one JSON object.
    static func jsonObject(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Says on standard output that part of a test did not run, and what it needs (a whole test says it with
    /// `.enabled(if:_:)`).
    static func skipped(_ part: String, needs program: String) {
        print("skipped: \(part): needs \(program)")
    }

    /// Looks a program up on PATH.
    static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A temporary directory for one test.
struct Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "logonym-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }

    func key(_ name: String = "key", mode: Int = 0o600) throws -> String {
        let target = file(name)
        try Data((0..<32).map { UInt8($0) }).write(to: URL(fileURLWithPath: target))
        chmod(target, mode_t(mode))
        return target
    }
}
