import Foundation
public import LogonymCore

/// Retention sweeps and erasures for one state directory, run by the holder of the `maintainer` lock: the daemon,
/// or a `logonym retention` / `logonym forget` when no daemon runs.
public final class Maintenance {
    public let settings: EngineSettings
    public let store: StateStore
    public let audit: AuditLog
    /// Each scope's key store and key ring: every tenant's, or the configuration's own without tenants; then the
    /// scopes of what the state directory holds for no configured tenant (``Scope/isConfigured`` false): the
    /// segments and keys written before tenants were configured, and those of tenants no longer configured. These
    /// are swept under the configuration's own `[retention]`, so nothing on disk escapes retention.
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
        /// The window identities of encrypted segments (`nil` when read only). Opened whenever the key store is, so
        /// that retention destroys the identities of past encryption too.
        public let identities: WindowIdentities?
        /// Whether lines are written in this scope now; otherwise it only holds what earlier configurations wrote.
        public let isConfigured: Bool

        init(settings: EngineSettings, store: StateStore, audit: AuditLog, readOnly: Bool, isConfigured: Bool) throws {
            self.settings = settings
            self.isConfigured = isConfigured
            keys =
                readOnly
                ? nil
                : try KeyStore(
                    stateDirectory: settings.stateDirectory,
                    tenant: settings.tenant,
                    store: store,
                    audit: audit
                )
            identities = try keys.map { try WindowIdentities(keys: $0) }
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

        /// What encrypts this scope's closed segments, under `[output] encrypt = "window"`.
        var sealer: SegmentSealer? {
            guard let recipients = settings.encryptRecipients, let identities else { return nil }
            return SegmentSealer(
                store: identities.store,
                identities: identities,
                recipients: recipients,
                window: settings.window,
                group: settings.outputGroup
            )
        }
    }

    /// Encrypts the closed plain segments of `inputs` (and finishes what a crash left), each in the scope that owns
    /// it, under `[output] encrypt = "window"`. An input is named as a source (`TENANT/INPUT`) or by its name alone
    /// (every tenant's source of it).
    public func sealClosedSegments(inputs: [String]) throws {
        guard configuredScopes.contains(where: { $0.sealer != nil }) else { return }
        let names = Set(inputs)
        let sources = Set(try store.segments().map(\.input)).filter { source in
            names.contains(source) || names.contains(String(source.split(separator: "/").last ?? ""))
        }
        for scope in configuredScopes {
            let owned = sources.filter { scope.settings.owns(source: $0) }.sorted()
            guard !owned.isEmpty, let sealer = scope.sealer else { continue }
            try sealer.sealClosed(inputs: owned)
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
        var scopes = try settings.scopes.map {
            try Scope(settings: $0, store: store, audit: audit, readOnly: readOnly, isConfigured: true)
        }
        for tenant in try Self.leftovers(settings: settings, store: store) {
            var leftover = settings
            leftover.tenants = []
            leftover.tenant = tenant
            scopes.append(
                try Scope(settings: leftover, store: store, audit: audit, readOnly: readOnly, isConfigured: false)
            )
        }
        self.scopes = scopes
    }

    /// The scopes that hold segments or keys in the state directory but are not configured: no tenant's (written
    /// before tenants were configured) when there are tenants, and every tenant no longer configured.
    static func leftovers(settings: EngineSettings, store: StateStore) throws -> [String?] {
        let configured = Set(settings.scopes.map(\.tenant))
        var found = Set(try store.segments().map { TenantSettings.tenant(ofSource: $0.input) })
        let keyRoot = KeyStore.directory(stateDirectory: settings.stateDirectory, tenant: nil)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: keyRoot)) ?? [] {
            var isDirectory: ObjCBool = false
            if TenantSettings.isValidName(name),
                FileManager.default.fileExists(atPath: keyRoot + "/" + name, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                found.insert(name)
            }
        }
        if !KeyStore.liveKeys(stateDirectory: settings.stateDirectory, tenant: nil).isEmpty { found.insert(nil) }
        return found.subtracting(configured).sorted { ($0 ?? "") < ($1 ?? "") }
    }

    /// The tenants (`nil`: no tenant) whose segments or keys are on disk but not configured.
    public var unconfigured: [String?] { scopes.filter { !$0.isConfigured }.map(\.settings.tenant) }

    /// The scope of a tenant (`nil`: of a configuration without tenants).
    public func scope(tenant: String?) -> Scope? {
        scopes.first { $0.settings.tenant == tenant }
    }

    /// The scopes lines are written in now.
    public var configuredScopes: [Scope] { scopes.filter(\.isConfigured) }

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
                identities: scope.identities,
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
    ///
    /// Under `[output] encrypt = "window"`, the segments it closed (stale: their key's retention passed) are
    /// encrypted before it returns, also when no daemon runs to do it.
    public func sweep(now: Int64, mayClose: (String) -> Bool) throws -> RetentionPlan {
        var plan = RetentionPlan()
        let closable = Set(try store.segments().filter(\.open).map(\.input)).filter(mayClose)
        for sweeper in sweepers { plan.add(try sweeper.run(now: now, mayClose: mayClose)) }
        for scope in scopes { scope.ring.invalidate() }
        if !closable.isEmpty { try sealClosedSegments(inputs: closable.sorted()) }
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
        var eraser = Eraser(
            store: store,
            audit: audit,
            window: settings.window,
            compressionLevel: settings.compressionLevel
        )
        eraser.keys = SegmentKeys(stateDirectory: settings.stateDirectory)
        eraser.recipients = settings.encryptRecipients ?? []
        return try eraser.run(plan, dryRun: dryRun, mayRewrite: mayRewrite)
    }
}

@available(*, unavailable)
extension Maintenance: Sendable {}
