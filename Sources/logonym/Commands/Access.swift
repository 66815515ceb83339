import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym access`: a data subject's lines (the right of access).
struct Access: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Print one client's lines from the pseudonymized output (an access request).",
        discussion: """
            For every window with output whose key still exists, computes the address's pseudonym in that window \
            and prints the lines of its segments that hold it (as client, forwarded-for, or in a scrubbed line), \
            as stored, up to what the state database has committed: it works while the daemon runs. Windows whose \
            key was destroyed are listed as unlinkable: their lines cannot be attributed to anyone any more. Under \
            truncate nothing can be attributed to one client, and nothing is printed.

            The lines go to standard output (or -o FILE), the summary to standard error. The read is recorded in \
            the audit log (user, range, lines returned) before any line is shown. The address is never written \
            anywhere: not to the output, the state database, the audit log or logonym's own messages.

            Exit codes: 0 done (also when nothing was found); 2 usage or configuration error; 3 the output could \
            not be written; 4 the read could not be recorded in the audit log (nothing was shown).
            """
    )

    @OptionGroup var subject: SubjectOptions

    @Option(help: ArgumentHelp("Only windows ending after this time (ISO 8601, -7d or @EPOCH).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only windows starting before this time.", valueName: "time"))
    var until: String?

    @Option(
        name: .customLong("output-format"),
        help: ArgumentHelp(
            "same: the lines as stored; json: one {\"window\", \"line\"} object per line.",
            valueName: "format"
        )
    )
    var outputFormat: String = "same"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the lines to this file instead.", valueName: "file"))
    var output: String?

    @Flag(help: "Print the summary as one JSON object (on standard error).")
    var json = false

    func run() throws {
        guard outputFormat == "same" || outputFormat == "json" else {
            throw CommandFailure.usage("--output-format '\(outputFormat)': must be same or json")
        }
        let parsed = try subject.requiredSubject()
        let since = try TimeArgument.option(since, "--since")
        let until = try TimeArgument.option(until, "--until")
        let access = try MaintenanceAccess.open(configPath: subject.config)
        let tenant = try subject.checkedTenant(access.state.settings)
        let plan = try access.maintenance.erasurePlan(address: parsed, since: since, until: until, tenant: tenant)
        let reader = SubjectAccess(
            store: access.state.store,
            window: access.state.settings.window,
            keys: SegmentKeys(stateDirectory: access.state.settings.stateDirectory)
        )
        // One snapshot of the segments, counted, recorded, then shown: nothing is shown unless the read is in the
        // audit log, and what the log counts is what is shown.
        let segments = try reader.segments()
        let report = try reader.run(plan, segments: segments)
        let sink: FileOutput
        do throws(LogonymIOError) {
            sink = try output.map { (path) throws(LogonymIOError) in try FileOutput(path: path) } ?? FileOutput()
        } catch {
            throw CommandFailure(message: error.description, exitCode: 3)
        }
        do {
            try access.recordRead(
                .read(
                    "access",
                    tenant: tenant,
                    since: since.map(Double.init),
                    until: until.map(Double.init),
                    lines: report.lines
                )
            )
        } catch {
            sink.abandon()
            throw error
        }
        var pending: [UInt8] = []
        do {
            try reader.run(plan, segments: segments) { window, line in
                if outputFormat == "json" {
                    struct Line: Encodable {
                        var window: String
                        var line: String
                    }
                    pending += Array(
                        try JSONOutput.encode(Line(window: window, line: String(decoding: line, as: UTF8.self))).utf8
                    )
                } else {
                    pending += line
                }
                pending.append(0x0A)
                if pending.count >= 1 << 20 {
                    try sink.writeAll(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try sink.writeAll(pending)
            try sink.finish()
        } catch let error as LogonymIOError {
            sink.abandon()
            throw CommandFailure(message: error.description, exitCode: 3)
        }
        summarize(report, unconfigured: plan.unconfigured ?? [])
    }

    private func summarize(_ report: SubjectAccess.Report, unconfigured: [String]) {
        if json {
            Diagnostics.raw(((try? JSONOutput.encode(report)) ?? "{}") + "\n")
            return
        }
        for tenant in unconfigured { Diagnostics.raw(Forget.unconfigured(tenant) + "\n") }
        if report.method == .truncate {
            Diagnostics.raw(
                "method truncate: lines cannot be attributed to one client (an address is cut to its network, shared with its neighbours); nothing was returned\n"
            )
            return
        }
        for window in report.windows { Diagnostics.raw("window \(window.window): \(window.lines) lines\n") }
        for window in report.unlinkable {
            Diagnostics.raw(
                "window \(window): unlinkable (its key was destroyed); nothing there can be attributed to anyone\n"
            )
        }
        Diagnostics.raw(
            "access: \(report.lines) lines from \(report.windows.count) windows; \(report.unlinkable.count) windows unlinkable\n"
        )
    }
}
