import ArgumentParser
import Foundation
import LogonymIO

/// `logonym audit`: the audit log.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the audit log: keys created and destroyed, deletions, erasures, configuration loads.",
        discussion: """
            Reads the state database (read-only; works while the daemon runs). The same entries are kept as \
            JSON lines in STATE/audit/YYYY-MM.jsonl. Entries name keys by id and files by path, never a key or an \
            address.

            Exit codes: 0 printed; 2 usage or configuration error.
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("Read this state directory instead of the configuration's.", valueName: "dir")
    )
    var stateDirectory: String?

    @Option(help: ArgumentHelp("Only entries at or after this time (ISO 8601, -7d or @EPOCH).", valueName: "time"))
    var since: String?

    @Flag(help: "JSON lines, as in the audit files.")
    var json = false

    func run() throws {
        let since = try TimeArgument.option(since, "--since")
        let directory: String
        if let stateDirectory {
            directory = stateDirectory
        } else {
            switch ConfigFile.load(config) {
            case .success(let loaded): directory = loaded.engine.stateDirectory
            case .failure(let problems):
                for problem in problems.problems { Diagnostics.error(problem.description) }
                throw ExitCode(2)
            }
        }
        guard FileManager.default.fileExists(atPath: directory + "/state.db") else {
            throw CommandFailure.usage("\(directory): no state database (state.db) here")
        }
        let store = try StateStore(directory: directory)
        let entries = try AuditLog.entries(in: store, since: since.map(Double.init))
        for entry in entries {
            if json {
                print(try JSONOutput.encode(entry))
                continue
            }
            print(Self.line(entry))
        }
    }

    /// `2026-11-27T10:15:00Z  key_destroyed  key=1h-2026-11-27T08-3fa2c1d0 window=2026-11-27T08`.
    static func line(_ entry: AuditEntry) -> String {
        let e = entry.event
        var fields: [String] = []
        if let keyID = e.keyID { fields.append("key=\(keyID)") }
        if let input = e.input { fields.append("input=\(input)") }
        if let window = e.window { fields.append("window=\(window)") }
        if let path = e.path { fields.append("path=\(path)") }
        if let lines = e.lines { fields.append("lines=\(lines)") }
        if let bytes = e.bytes { fields.append("bytes=\(bytes)") }
        if let segments = e.segments { fields.append("segments=\(segments)") }
        if let keys = e.keys { fields.append("keys=\(keys)") }
        if let rawInputs = e.rawInputs { fields.append("raw_inputs=\(rawInputs)") }
        if let windows = e.windows, !windows.isEmpty { fields.append("windows=\(windows.joined(separator: ","))") }
        if let unlinkable = e.unlinkable, !unlinkable.isEmpty {
            fields.append("unlinkable=\(unlinkable.joined(separator: ","))")
        }
        if let note = e.note { fields.append("(\(note))") }
        let event = e.event.padding(toLength: max(18, e.event.count), withPad: " ", startingAt: 0)
        return "\(AuditEntry.timestamp(entry.at))  \(event)  \(fields.joined(separator: " "))"
    }
}
