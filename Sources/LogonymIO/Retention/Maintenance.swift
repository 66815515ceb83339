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

    /// A request handed over through the state database.
    public enum Request: Codable, Sendable {
        case forget(ErasurePlan)
        case retention(now: Int64)

        public var kind: String {
            switch self {
            case .forget: "forget"
            case .retention: "retention"
            }
        }
    }

    /// A request's outcome.
    public struct Outcome: Codable, Sendable {
        public var erasure: ErasureReport?
        public var retention: RetentionPlan?
        public var error: String?

        public init(erasure: ErasureReport? = nil, retention: RetentionPlan? = nil, error: String? = nil) {
            self.erasure = erasure
            self.retention = retention
            self.error = error
        }
    }

    /// Serves one request; returns its outcome and the segments an erasure rewrote. `mayWrite` says whether
    /// this process may rewrite or close an open segment of an input.
    public func serve(_ request: Request, mayWrite: (String) -> Bool) -> (Outcome, [StateStore.SegmentRecord]) {
        do {
            switch request {
            case .forget(let plan):
                let (report, rewritten) = try erase(plan, dryRun: false, mayRewrite: mayWrite)
                return (Outcome(erasure: report), rewritten)
            case .retention(let now):
                return (Outcome(retention: try sweep(now: now, mayClose: mayWrite)), [])
            }
        } catch {
            return (Outcome(error: "\(error)"), [])
        }
    }
}

@available(*, unavailable)
extension Maintenance: Sendable {}
