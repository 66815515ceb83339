import Foundation
public import LogonymCore

/// Retention sweeps and erasures for one state directory, run by the holder of the `maintainer` lock: the daemon,
/// or a `logonym retention` / `logonym forget` when no daemon runs.
public final class Maintenance {
    public let settings: EngineSettings
    public let store: StateStore
    public let audit: AuditLog
    /// Each scope's key store and key ring: every tenant's, or the configuration's own without tenants.
    public let scopes: [Scope]
    /// The first scope's (the only one without tenants).
    public var keys: KeyStore? { scopes[0].keys }
    public var ring: KeyRing { scopes[0].ring }

    /// One tenant's (or, without tenants, the whole configuration's) keys, settings and sweep.
    public final class Scope {
        /// The configuration scoped to the tenant (``EngineSettings/scoped(to:)``).
        public let settings: EngineSettings
        public let keys: KeyStore?
        public let ring: KeyRing

        init(settings: EngineSettings, store: StateStore, audit: AuditLog, readOnly: Bool) throws {
            self.settings = settings
            keys =
                readOnly
                ? nil
                : try KeyStore(
                    stateDirectory: settings.stateDirectory,
                    tenant: settings.tenant,
                    store: store,
                    audit: audit
                )
            ring = KeyRing(
                window: settings.window,
                method: settings.method,
                prefixes: settings.prefixes,
                mode: settings.method.needsKey ? settings.keyMode : .none,
                keys: keys,
                stateDirectory: settings.stateDirectory,
                tenant: settings.tenant,
                retention: settings.retention
            )
        }
    }

    /// Opens the audit log and key stores of the state directory and builds the key rings.
    ///
    /// - Parameter readOnly: only read (plans and dry runs next to a running daemon): no key is made, no file
    ///   written.
    public init(settings: EngineSettings, store: StateStore, readOnly: Bool = false) throws {
        self.settings = settings
        self.store = store
        let audit = try AuditLog(stateDirectory: settings.stateDirectory, store: store, readOnly: readOnly)
        self.audit = audit
        scopes = try settings.scopes.map { try Scope(settings: $0, store: store, audit: audit, readOnly: readOnly) }
    }

    /// The scope of a tenant (`nil`: of a configuration without tenants).
    public func scope(tenant: String?) -> Scope? {
        scopes.first { $0.settings.tenant == tenant }
    }

    /// Why a key could not be made or read, in any scope.
    public var keyFailure: (any Error)? {
        scopes.lazy.compactMap(\.ring.failure).first
    }

    /// The retention sweeps of this configuration: one per scope; the first also deletes raw inputs.
    public var sweepers: [RetentionSweep] {
        scopes.enumerated().map { index, scope in
            RetentionSweep(
                store: store,
                audit: audit,
                keys: scope.keys,
                scope: scope.settings,
                inputs: index > 0
                    ? [:]
                    : Dictionary(
                        settings.inputs.map { ($0.name, $0.rotationPatterns) },
                        uniquingKeysWith: { $0 + $1 }
                    )
            )
        }
    }

    /// What a sweep at `now` would delete, in every scope.
    public func plan(now: Int64, mayClose: (String) -> Bool) throws -> RetentionPlan {
        var plan = RetentionPlan()
        for sweeper in sweepers { plan.add(try sweeper.plan(now: now, mayClose: mayClose)) }
        return plan
    }

    /// Runs every scope's sweep at `now` and drops cached anonymizers it made stale.
    @discardableResult
    public func sweep(now: Int64, mayClose: (String) -> Bool) throws -> RetentionPlan {
        var plan = RetentionPlan()
        for sweeper in sweepers { plan.add(try sweeper.run(now: now, mayClose: mayClose)) }
        for scope in scopes { scope.ring.invalidate() }
        return plan
    }

    /// Computes the erasure plan for `address` with the keys that still exist.
    public func erasurePlan(
        address: IPAddress,
        since: Int64?,
        until: Int64?,
        tenant: String? = nil
    ) throws -> ErasurePlan {
        try ErasurePlan.make(
            address: address,
            since: since,
            until: until,
            store: store,
            scopes: scopes.filter { tenant == nil || $0.settings.tenant == tenant }
        )
    }

    /// Carries out an erasure plan.
    public func erase(
        _ plan: ErasurePlan,
        dryRun: Bool,
        mayRewrite: (String) -> Bool
    ) throws -> (ErasureReport, [StateStore.SegmentRecord]) {
        let eraser = Eraser(
            store: store,
            audit: audit,
            window: settings.window,
            compressionLevel: settings.compressionLevel
        )
        return try eraser.run(plan, dryRun: dryRun, mayRewrite: mayRewrite)
    }
}

@available(*, unavailable)
extension Maintenance: Sendable {}
