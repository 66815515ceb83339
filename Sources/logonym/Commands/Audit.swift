import ArgumentParser
import Foundation
import LogonymIO

/// `logonym audit`: the audit log.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print or verify the audit log: reads, keys created and destroyed, deletions, configuration loads.",
        discussion: """
            Reads the state database (works while the daemon runs). The same entries are kept as JSON lines in \
            STATE/audit/YYYY-MM.jsonl. Every entry names the user (uid and name) and the command that made it; \
            entries name keys by id and files by path, never a key or an address. Every command that reads \
            pseudonymized data or state (stats, audit, access, forget, retention, verify --config, and each \
            /stats request to the daemon) adds a read entry, this one included.

            The log is a chain: each entry holds the SHA-256 of the line before it, and the database keeps each \
            entry's hash. --verify checks both copies and names the first entry that was changed, removed or \
            moved; it prints the newest entry's hash, which can be kept elsewhere to catch a log rewritten whole.

            Exit codes: 0 printed (--verify: the chain is intact); 1 --verify found a break; 2 usage or \
            configuration error; 4 this read could not be recorded in the audit log (nothing was shown).
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

    @Option(help: ArgumentHelp("Only entries before this time.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Only entries of this kind: read, delete, key, config or request.", valueName: "kind"))
    var kind: String?

    @Option(
        help: ArgumentHelp(
            "Only entries about this tenant, or about every tenant (none about another tenant).",
            valueName: "name"
        )
    )
    var tenant: String?

    @Flag(help: "Check the chain of entries in the database and the files; name the first break.")
    var verify = false

    @Flag(help: "JSON lines, as in the audit files (--verify: one JSON object).")
    var json = false

    func run() throws {
        let since = try TimeArgument.option(since, "--since")
        let until = try TimeArgument.option(until, "--until")
        let kind = try kind.map { name in
            guard let kind = AuditEvent.Kind(rawValue: name), kind != .other else {
                throw CommandFailure.usage("--kind '\(name)': must be read, delete, key, config or request")
            }
            return kind
        }
        let directory = try stateDirectory ?? ConfigFile.loadOrExit(config).engine.stateDirectory
        guard FileManager.default.fileExists(atPath: directory + "/state.db") else {
            throw CommandFailure.usage("\(directory): no state database (state.db) here")
        }
        let store = try StateStore(directory: directory, reader: true)
        if verify {
            // Recorded first, so that the check covers this read too and every entry before it is in the files.
            try ReadTrace.record(.read("audit --verify"), stateDirectory: directory, store: store)
            let report = try AuditVerification.check(store: store, stateDirectory: directory)
            print(json ? try JSONOutput.encode(report) : Self.text(report), terminator: json ? "\n" : "")
            if !report.intact { throw ExitCode(1) }
            return
        }
        // Opening the log records the reads members of state.group left in its inbox: they are listed too.
        if !store.isReadOnly { _ = try? AuditLog(stateDirectory: directory, store: store) }
        let entries = try AuditLog.entries(in: store, since: since.map(Double.init)).filter { entry in
            (until.map { entry.at < Double($0) } ?? true)
                && (kind.map { entry.event.kind == $0 } ?? true)
                && (tenant.map { entry.event.concerns(tenant: $0) } ?? true)
        }
        try ReadTrace.record(
            .read(
                "audit",
                tenant: tenant,
                since: since.map(Double.init),
                until: until.map(Double.init),
                returned: Int64(entries.count)
            ),
            stateDirectory: directory,
            store: store
        )
        for entry in entries {
            if json {
                print(try JSONOutput.encode(entry))
                continue
            }
            print(Self.line(entry))
        }
    }

    /// The verification as text: the first problems, then the counts and the head.
    static func text(_ report: AuditVerification) -> String {
        var text = ""
        for problem in report.problems.prefix(20) {
            text += "broken: " + (problem.id.map { "entry \($0) " } ?? "") + "(\(problem.place)) \(problem.message)\n"
        }
        if report.problems.count > 20 { text += "... and \(report.problems.count - 20) more\n" }
        text += report.intact ? "audit log intact: " : "audit log BROKEN: "
        text += "\(report.entries) entries in state.db, \(report.lines) lines in the files"
        if report.unchained > 0 { text += ", \(report.unchained) from before the chain began" }
        if report.pending > 0 { text += ", \(report.pending) not written to the files yet" }
        text += "\n"
        if let id = report.headID, let hash = report.headHash { text += "head: entry \(id) sha256 \(hash)\n" }
        return text
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
        if let user = e.user { fields.append("user=\(user)" + (e.uid.map { "(\($0))" } ?? "")) }
        if let command = e.command { fields.append("command=\"\(command)\"") }
        if let tenant = e.tenant { fields.append("tenant=\(tenant)") }
        if e.since != nil || e.until != nil { fields.append("range=\(e.since ?? "")..\(e.until ?? "")") }
        if let returned = e.returned { fields.append("returned=\(returned)") }
        if let recipients = e.recipients { fields.append("recipients=\(recipients.joined(separator: ","))") }
        if let sha256 = e.sha256 { fields.append("sha256=\(sha256)") }
        if let note = e.note { fields.append("(\(note))") }
        let event = e.event.padding(toLength: max(18, e.event.count), withPad: " ", startingAt: 0)
        return "\(AuditEntry.timestamp(entry.at))  \(event)  \(fields.joined(separator: " "))"
    }
}
