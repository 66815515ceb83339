import Foundation
public import LogonymCore

/// Retention sweeps and erasures for one state directory, run by the holder of the `maintainer` lock: the daemon,
/// or a `logonym retention` / `logonym forget` when no daemon runs.
public final class Maintenance {
    public let settings: EngineSettings
    public let store: StateStore
    public let audit: AuditLog
    public let keys: KeyStore?
    public let ring: KeyRing

    /// Opens the audit log and key store of the state directory and builds the key ring.
    ///
    /// - Parameter readOnly: only read (plans and dry runs next to a running daemon): no key is made, no file
    ///   written.
    public init(settings: EngineSettings, store: StateStore, readOnly: Bool = false) throws {
        self.settings = settings
        self.store = store
        audit = try AuditLog(stateDirectory: settings.stateDirectory, store: store, readOnly: readOnly)
        keys = readOnly ? nil : try KeyStore(stateDirectory: settings.stateDirectory, store: store, audit: audit)
        ring = KeyRing(
            window: settings.window,
            method: settings.method,
            prefixes: settings.prefixes,
            mode: settings.method.needsKey ? settings.keyMode : .none,
            keys: keys,
            stateDirectory: settings.stateDirectory,
            retention: settings.retention
        )
    }

    /// The retention sweep of this configuration.
    public var sweeper: RetentionSweep {
        RetentionSweep(
            store: store,
            audit: audit,
            keys: keys,
            stateDirectory: settings.stateDirectory,
            window: settings.window,
            policy: settings.retention,
            inputs: Dictionary(settings.inputs.map { ($0.name, $0.rotationPatterns) }, uniquingKeysWith: { $0 + $1 })
        )
    }

    /// Runs a sweep at `now` and drops cached anonymizers it made stale.
    @discardableResult
    public func sweep(now: Int64, mayClose: (String) -> Bool) throws -> RetentionPlan {
        let plan = try sweeper.run(now: now, mayClose: mayClose)
        ring.invalidate()
        return plan
    }

    /// Computes the erasure plan for `address` with the keys that still exist.
    public func erasurePlan(address: IPAddress, since: Int64?, until: Int64?) throws -> ErasurePlan {
        try ErasurePlan.make(address: address, since: since, until: until, store: store, ring: ring)
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
