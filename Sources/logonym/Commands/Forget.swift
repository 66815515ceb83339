import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym forget`: erase one client's lines from the output, where its pseudonym can still be computed.
struct Forget: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Remove one client's lines from the pseudonymized output (an erasure request).",
        discussion: """
            For every window with output whose key still exists, computes the address's pseudonym in that window \
            and rewrites the window's segments without the lines that hold it (as client, forwarded-for, or in a \
            scrubbed line): new file, fsync, rename, state database updated in the same step. Windows whose key \
            was destroyed are reported as unlinkable: their lines cannot be attributed to anyone any more. Under \
            truncate nothing can be attributed to one client, and nothing is changed. While the daemon runs, the \
            work is handed to it (only pseudonyms are passed, never the address).

            The address is never written anywhere: not to the output, the state database, the audit log or \
            logonym's own messages.

            Exit codes: 0 done (or nothing to do); 1 the erasure failed; 2 usage or configuration error; 4 this run \
            could not be recorded in the audit log.
            """
    )

    @OptionGroup var subject: SubjectOptions

    @Option(help: ArgumentHelp("Only windows ending after this time (ISO 8601, -7d or @EPOCH).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only windows starting before this time.", valueName: "time"))
    var until: String?

    @Flag(name: .customLong("dry-run"), help: "Count the lines that would be removed; change nothing.")
    var dryRun = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        let parsed = try subject.requiredSubject()
        let since = try TimeArgument.option(since, "--since")
        let until = try TimeArgument.option(until, "--until")
        let access = try MaintenanceAccess.open(configPath: subject.config)
        let maintenance = access.maintenance
        let tenant = try subject.checkedTenant(access.state.settings)
        var plan = try maintenance.erasurePlan(address: parsed, since: since, until: until, tenant: tenant)
        plan.range = Self.range(since, until)
        let report: ErasureReport
        if plan.method == .truncate {
            report = ErasureReport(method: .truncate, dryRun: dryRun)
        } else if dryRun {
            report = try maintenance.erase(plan, dryRun: true, mayRewrite: { _ in true }).0
        } else {
            let outcome = try access.perform(.forget(plan))
            if let error = outcome.error { throw CommandFailure(message: "forget: \(error)", exitCode: 1) }
            report = outcome.erasure ?? ErasureReport(method: plan.method, dryRun: false)
        }
        try access.recordRead(
            .read(
                dryRun ? "forget --dry-run" : "forget",
                tenant: tenant,
                since: since.map(Double.init),
                until: until.map(Double.init),
                lines: report.linesRemoved
            )
        )
        if json {
            struct Output: Encodable {
                var method: String
                var dryRun: Bool
                var attributable: Bool
                var linesRemoved: Int64
                var segmentsRewritten: Int
                var windows: [ErasureReport.WindowResult]
                var unlinkable: [String]
                var skipped: [String]
                var unconfiguredTenants: [String]
            }
            print(
                try JSONOutput.encode(
                    Output(
                        method: report.method.rawValue,
                        dryRun: dryRun,
                        attributable: report.method != .truncate,
                        linesRemoved: report.linesRemoved,
                        segmentsRewritten: report.segmentsRewritten,
                        windows: report.windows,
                        unlinkable: report.unlinkable,
                        skipped: report.skipped,
                        unconfiguredTenants: plan.unconfigured ?? []
                    )
                )
            )
            return
        }
        if report.method == .truncate {
            for tenant in plan.unconfigured ?? [] { print(Self.unconfigured(tenant)) }
            print(
                "method truncate: lines cannot be attributed to one client (an address is cut to its network, shared with its neighbours), so there is nothing to erase; nothing was changed"
            )
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for window in report.windows {
            print("window \(window.window): \(verb) \(window.linesRemoved) lines in \(window.segments) segments")
        }
        for window in report.unlinkable {
            print("window \(window): unlinkable (its key was destroyed); nothing there can be attributed to anyone")
        }
        for tenant in plan.unconfigured ?? [] { print(Self.unconfigured(tenant)) }
        for path in report.skipped {
            print("skipped \(path): open and written by another logonym process; run forget again after it stops")
        }
        print(
            "\(dryRun ? "dry run" : "done"): \(verb) \(report.linesRemoved) lines in \(report.segmentsRewritten) segments; \(report.unlinkable.count) windows unlinkable"
        )
    }

    /// What forget and access say of a tenant no longer configured: its lines were not searched.
    static func unconfigured(_ tenant: String) -> String {
        "tenant \(tenant): no longer configured, its segments were not searched; remove them with 'logonym tenant remove \(tenant)'"
    }

    private static func range(_ since: Int64?, _ until: Int64?) -> String? {
        guard since != nil || until != nil else { return nil }
        let from = since.map { AuditEntry.timestamp(Double($0)) } ?? "start"
        let to = until.map { AuditEntry.timestamp(Double($0)) } ?? "now"
        return "\(from) to \(to)"
    }
}
