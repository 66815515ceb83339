import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym retention`: run a retention sweep now, or list what it would delete.
struct Retention: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Delete output, keys, raw inputs and audit entries that retention no longer allows.",
        discussion: """
            Deletes closed output segments whose window ended more than retention.output ago, destroys window \
            keys past retention.keys (overwritten, unlinked, directory fsynced), deletes fully read raw input \
            files older than retention.raw_inputs, and prunes audit entries older than retention.audit. Every \
            deletion is written to the audit log. The daemon runs the same sweep every retention.sweep_interval; \
            while it runs, this command hands the sweep to it.

            Exit codes: 0 done; 1 the sweep failed; 2 usage or configuration error; 4 this run could not be recorded \
            in the audit log.
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Flag(name: .customLong("dry-run"), help: "List what would be deleted, with sizes, and delete nothing.")
    var dryRun = false

    @Option(
        help: ArgumentHelp(
            "Sweep as if it were this time (ISO 8601, -7d or @EPOCH); default: now.",
            valueName: "time"
        )
    )
    var now: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        let at = try TimeArgument.option(now, "--now") ?? Int64(Date().timeIntervalSince1970)
        let access = try MaintenanceAccess.open(configPath: config)
        let plan: RetentionPlan
        if dryRun {
            plan = try access.maintenance.plan(now: at, mayClose: { _ in true })
        } else {
            let outcome = try access.perform(.retention(now: at))
            if let error = outcome.error { throw CommandFailure(message: "retention: \(error)", exitCode: 1) }
            plan = outcome.retention ?? RetentionPlan()
        }
        try access.recordRead(.read(dryRun ? "retention --dry-run" : "retention", returned: Int64(plan.items.count)))
        if json {
            struct Output: Encodable {
                var dryRun: Bool
                var now: String
                var items: [RetentionPlan.Item]
                var auditEntries: Int
                var bytes: Int64

                enum CodingKeys: String, CodingKey {
                    case dryRun = "dry_run"
                    case now, items
                    case auditEntries = "audit_entries"
                    case bytes
                }
            }
            let output = Output(
                dryRun: dryRun,
                now: AuditEntry.timestamp(Double(at)),
                items: plan.items,
                auditEntries: plan.auditEntries,
                bytes: plan.bytes
            )
            print(try JSONOutput.encode(output))
            return
        }
        let verb = dryRun ? "would delete" : "deleted"
        for item in plan.items {
            let what =
                item.kind == "key" || item.kind == "identity"
                ? "\(item.kind) \(item.keyID ?? "")"
                : "\(item.kind.replacingOccurrences(of: "_", with: " ")) \(item.path)"
            let window = item.window.map { " (window \($0))" } ?? ""
            print("\(verb) \(what)\(window), \(ByteCount.text(item.bytes))")
        }
        print(
            "\(dryRun ? "dry run" : "sweep") at \(AuditEntry.timestamp(Double(at))): \(plan.count("segment")) segments, \(plan.count("key")) keys, \(plan.count("identity")) identities, \(plan.count("raw_input")) raw inputs, \(ByteCount.text(plan.bytes)); \(plan.auditEntries) audit entries past retention"
        )
    }
}

/// Byte counts for people: `1.2 MB`.
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
