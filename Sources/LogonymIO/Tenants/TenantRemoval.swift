import Foundation
import LogonymCore

extension Maintenance {
    /// Why a tenant cannot be removed by this process.
    public struct TenantProblem: Error, CustomStringConvertible {
        public var description: String

        /// The tenant is in the configuration of the process that would remove it.
        public static func stillConfigured(_ tenant: String) -> TenantProblem {
            TenantProblem(
                description:
                    "tenant '\(tenant)' is still configured: remove its [[tenant]] from the configuration and reload the daemon (systemctl reload logonym) first, or its next lines would make new keys and segments"
            )
        }
    }

    /// What removing a tenant deletes (every one of its segments, open or closed, and every one of its window
    /// keys) or, in a dry run, would delete. A removal is a retention sweep of the tenant's scope with nothing
    /// retained: each deletion is recorded in the audit log as it happens, and a removal killed half-way is
    /// finished by running it again. Its folders (`OUT/TENANT`, `STATE/keys/TENANT`) go once empty, its client
    /// sketches with its segments; its counters stay (they hold no address, and the controller's report reads
    /// them). The tenant must no longer be in this process's configuration.
    public func removeTenant(_ name: String, dryRun: Bool) throws -> RetentionPlan {
        guard TenantSettings.isValidName(name) else {
            throw TenantProblem(description: "'\(name)' is not a tenant name")
        }
        if settings.tenants.contains(where: { $0.name == name }) { throw TenantProblem.stillConfigured(name) }
        var scope = settings
        scope.tenants = []
        scope.tenant = name
        let now = Int64(Date().timeIntervalSince1970)
        let keys =
            dryRun
            ? nil : try KeyStore(stateDirectory: settings.stateDirectory, tenant: name, store: store, audit: audit)
        // The tenant's window identities go too: its encrypted segments, and every copy of them, become unreadable.
        let identities = try keys.map { try WindowIdentities(keys: $0) }
        var sweep = RetentionSweep(
            store: store,
            audit: audit,
            keys: keys,
            identities: identities,
            scope: scope,
            inputs: [:]
        )
        sweep.removesEverything = true
        guard !dryRun else { return try sweep.plan(now: now, mayClose: { _ in true }) }
        var started = AuditEvent("tenant_removal_started")
        started.tenant = name
        try audit.record(started)
        let plan = try sweep.run(now: now, mayClose: { _ in true })
        for directory in [
            settings.outputDirectory + "/" + name,
            KeyStore.directory(stateDirectory: settings.stateDirectory, tenant: name),
        ] {
            Self.removeEmptyFolders(directory)
        }
        var done = AuditEvent("tenant_removed", bytes: plan.bytes)
        done.tenant = name
        done.segments = plan.count("segment")
        done.keys = plan.count("key")
        try audit.record(done)
        return plan
    }

    /// Removes a folder and the folders in it, if they hold no file (a file left there is kept, with its folder).
    static func removeEmptyFolders(_ path: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names { removeEmptyFolders(path + "/" + name) }
        rmdir(path)
    }
}
