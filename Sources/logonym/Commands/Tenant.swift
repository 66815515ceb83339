import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym tenant`: the hosting customers of a configuration.
struct Tenant: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List tenants, or remove one that left: its segments and window keys.",
        subcommands: [List.self, Remove.self],
        defaultSubcommand: List.self
    )

    /// `logonym tenant list`: the configured tenants and what each has on disk.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each tenant's hosts, method, retention, segments and live keys.",
            discussion: """
                Also lists tenants that still have segments or keys but are no longer configured (remove them \
                with 'logonym tenant remove'). Recorded in the audit log as a read.

                Exit codes: 0 printed; 2 usage or configuration error; 4 the read could not be recorded.
                """
        )

        @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
        var config: String = "/etc/logonym/logonym.toml"

        @Flag(help: "One JSON object per tenant, in an array.")
        var json = false

        func run() throws {
            let access = try MaintenanceAccess.open(configPath: config)
            let settings = access.state.settings
            let segments = try access.state.store.segments()
            var names = settings.tenants.map(\.name)
            let keyRoot = KeyStore.directory(stateDirectory: settings.stateDirectory, tenant: nil)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: keyRoot)) ?? []
            let leftovers = Set(segments.compactMap { TenantSettings.tenant(ofSource: $0.input) })
                .union(folders.filter { TenantSettings.isValidName($0) && !$0.hasSuffix(".key") && !$0.hasPrefix(".") })
                .subtracting(names).sorted()
            names += leftovers
            struct Row: Encodable {
                var name: String
                var configured: Bool
                var hosts: [String]
                var method: String?
                var outputRetentionDays: Int64?
                var segments: Int
                var keys: Int

                enum CodingKeys: String, CodingKey {
                    case name, configured, hosts, method, segments, keys
                    case outputRetentionDays = "output_retention_days"
                }
            }
            let rows = names.map { name in
                let tenant = settings.tenants.first { $0.name == name }
                return Row(
                    name: name,
                    configured: tenant != nil,
                    hosts: tenant?.hosts ?? [],
                    method: tenant?.method.rawValue,
                    outputRetentionDays: tenant?.retention.output.map { $0 / 86_400 },
                    segments: segments.count { TenantSettings.tenant(ofSource: $0.input) == name },
                    keys: KeyStore.liveKeys(stateDirectory: settings.stateDirectory, tenant: name).count
                )
            }
            try access.recordRead(.read("tenant list", returned: Int64(rows.count)))
            if json {
                print(try JSONOutput.encode(rows))
                return
            }
            if rows.isEmpty { print("no tenants are configured") }
            for row in rows {
                let retention = row.outputRetentionDays.map { "\($0)d" } ?? "off"
                let state =
                    row.configured
                    ? "\(row.method ?? "-"), output retention \(retention), hosts \(row.hosts.joined(separator: " "))"
                    : "NOT CONFIGURED (remove with: logonym tenant remove \(row.name))"
                print("\(row.name): \(state); \(row.segments) segments, \(row.keys) live keys")
            }
        }
    }

    /// `logonym tenant remove NAME`: a customer that left.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Destroy a tenant's window keys and delete its segments (the tenant must be unconfigured).",
            discussion: """
                For a customer that left: first remove its [[tenant]] from the configuration and reload the \
                daemon, then run this. Every segment of the tenant (open or closed) is deleted and every window \
                key destroyed (overwritten, unlinked, directory fsynced); each deletion goes to the audit log, \
                between a tenant_removal_started and a tenant_removed entry. Other tenants' files are not touched. \
                The tenant's counters stay in the state database (they hold no address). While the daemon runs, \
                it does the removal. A removal that was interrupted finishes when run again.

                Exit codes: 0 done; 1 the removal failed (nothing after the failure was deleted), or the running \
                daemon still has the tenant configured (reload it first); 2 usage or configuration error, including \
                a tenant still in the configuration file; 4 this run could not be recorded.
                """
        )

        @Argument(help: ArgumentHelp("The tenant's name.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
        var config: String = "/etc/logonym/logonym.toml"

        @Flag(name: .customLong("dry-run"), help: "List what would be deleted, and delete nothing.")
        var dryRun = false

        @Flag(help: "Print the result as one JSON object.")
        var json = false

        func run() throws {
            guard TenantSettings.isValidName(name) else {
                throw CommandFailure.usage("'\(name)' is not a tenant name")
            }
            let access = try MaintenanceAccess.open(configPath: config)
            if access.state.settings.tenants.contains(where: { $0.name == name }) {
                throw CommandFailure.usage(Maintenance.TenantProblem.stillConfigured(name).description)
            }
            let plan: RetentionPlan
            if dryRun {
                plan = try access.maintenance.removeTenant(name, dryRun: true)
            } else {
                let outcome = try access.perform(.removeTenant(name))
                if let error = outcome.error {
                    throw CommandFailure(message: "tenant remove \(name): \(error)", exitCode: 1)
                }
                plan = outcome.retention ?? RetentionPlan()
            }
            var read = AuditEvent.read(dryRun ? "tenant remove --dry-run" : "tenant remove", tenant: name)
            read.returned = Int64(plan.items.count)
            try access.recordRead(read)
            if json {
                struct Output: Encodable {
                    var tenant: String
                    var dryRun: Bool
                    var items: [RetentionPlan.Item]
                    var bytes: Int64

                    enum CodingKeys: String, CodingKey {
                        case tenant, items, bytes
                        case dryRun = "dry_run"
                    }
                }
                print(try JSONOutput.encode(Output(tenant: name, dryRun: dryRun, items: plan.items, bytes: plan.bytes)))
                return
            }
            let verb = dryRun ? "would delete" : "deleted"
            for item in plan.items {
                let what =
                    switch item.kind {
                    case "key": "key \(item.keyID ?? "")"
                    case "identity": "identity \(item.keyID ?? item.path)"
                    default: "segment \(item.path)"
                    }
                print("\(verb) \(what)")
            }
            let identities = plan.count("identity") > 0 ? ", \(plan.count("identity")) identities" : ""
            print(
                "tenant \(name): \(dryRun ? "would remove" : "removed") \(plan.count("segment")) segments, \(plan.count("key")) keys\(identities), \(ByteCount.text(plan.bytes))"
            )
        }
    }
}
