import Foundation
public import Logging
public import LogonymCore

/// The daemon's read loop without its lifecycle: follow every input, route lines into window segments, and
/// commit (write, fsync, one SQLite transaction) at least once a second.
public final class TailEngine {
    public let settings: EngineSettings
    /// The state directory, with the locks of this engine's inputs (and `maintainer` when it serves sweeps and
    /// requests).
    public let state: StateDirectory
    public var store: StateStore { state.store }
    /// Keys, audit log, retention and erasure of the state directory.
    public var maintenance: Maintenance { state.maintenance }
    let logger: Logger
    let trackers: [any EngineInput]
    /// Make each input's processors, one per scope (tenant); hold the scope's objections in force for those made
    /// later.
    let factories: [(tenant: String?, factory: ProcessorFactory)]
    private var lastObjectionCheck = ContinuousClock.now
    private let scratch: UnsafeMutableRawBufferPointer
    private var lastCommit = ContinuousClock.now
    private var lastScan = ContinuousClock.now - .seconds(10)
    var lastRequestCheck = ContinuousClock.now
    /// Called with what each periodic retention sweep deleted (for the metrics).
    public var onSweep: ((RetentionPlan) -> Void)?
    var lastSweep: ContinuousClock.Instant

    /// Opens the state database and recovers: interrupted rewrites completed, segments cut back to their
    /// committed lengths, files found again.
    ///
    /// - Parameter maintainer: whether this engine runs retention sweeps and serves `forget` and `retention`
    ///   requests (the daemon); it then holds the state directory's `maintainer` lock.
    public init(settings: EngineSettings, logger: Logger, maintainer: Bool = false) throws {
        self.settings = settings
        self.logger = logger
        state = try StateDirectory(settings: settings, role: .engine(maintainer: maintainer))
        try FileManager.default.createDirectory(atPath: settings.outputDirectory, withIntermediateDirectories: true)
        var factories: [String?: ProcessorFactory] = [:]
        for scope in state.maintenance.configuredScopes {
            let factory = try ProcessorFactory(engine: scope.settings, windows: scope.ring, logger: logger)
            factory.objections = try Objections(
                store: state.store,
                stateDirectory: settings.stateDirectory,
                tenant: scope.settings.tenant
            ).filter()
            factories[scope.settings.tenant] = factory
        }
        self.factories = factories.map { ($0.key, $0.value) }
        let store = state.store
        trackers = try settings.inputs.map { input -> any EngineInput in
            let routes = try InputRoutes(input: input, engine: settings, factories: factories)
            if input.source == .files {
                return InputTracker(settings: input, engine: settings, store: store, routes: routes, logger: logger)
            }
            return try MessageInput(settings: input, engine: settings, store: store, routes: routes, logger: logger)
        }
        scratch = .allocate(byteCount: settings.holdLimit + 256 * 1024, alignment: 64)
        lastSweep = ContinuousClock.now - settings.sweepInterval
        for tracker in trackers { try tracker.recover() }
        try recoverUnrouted()
        for tenant in state.maintenance.unconfigured {
            logger.warning(
                tenant.map {
                    "tenant \($0) is no longer configured but has segments or keys: they follow [retention]; remove them with 'logonym tenant remove \($0)'"
                }
                    ?? "segments or keys from before tenants were configured: they follow [retention], and forget and access still search them"
            )
        }
        try commit()
        try state.maintenance.sealClosedSegments(inputs: trackers.map(\.name))
    }

    deinit {
        scratch.deallocate()
    }

    /// The open segments of sources no input writes any more (a tenant or its routing removed from the
    /// configuration, a configuration that gained or lost tenants): cut back to their committed lengths, as any
    /// open segment is at a start, and closed, so that no uncommitted tail survives and retention can delete them.
    private func recoverUnrouted() throws {
        let routed = Set(trackers.flatMap { $0.routes.segmentSets.map(\.input) })
        let locks = InputLocks(stateDirectory: settings.stateDirectory, owned: Set(trackers.map(\.name)))
        let stale = try store.segments().filter { $0.open && !routed.contains($0.input) && locks.mayWrite($0.input) }
        for source in Set(stale.map(\.input)).sorted() {
            let scope = maintenance.scopes.first { $0.settings.owns(source: source) }?.settings ?? settings
            try SegmentSet(input: source, engine: scope).recover(committed: store.segments(input: source))
            try store.closeSegments(of: source)
            logger.notice("closed the open segments of \(source), which no input writes any more")
        }
    }

    /// One turn of the loop: scan for new and rotated files (every `scanInterval`), read up to `budget` bytes,
    /// and commit when a second has passed or much is pending.
    ///
    /// - Returns: the bytes read in this turn (0 when every input is at its end).
    @discardableResult
    public func step(budget: Int = 4 << 20, scanInterval: Duration = .milliseconds(250)) throws -> Int {
        let now = ContinuousClock.now
        if now - lastScan >= scanInterval {
            for tracker in trackers { tracker.scan() }
            lastScan = now
            if trackers.contains(where: \.addedFiles) {
                try commit()
                for tracker in trackers { tracker.addedFiles = false }
            }
        }
        var read = 0
        for tracker in trackers {
            read += try tracker.read(budget: budget / max(1, trackers.count), scratch: scratch)
            let watermark = tracker.watermark
            if watermark > .min {
                for segments in tracker.routes.segmentSets {
                    segments.closeWindows(before: watermark, grace: settings.closeGraceSeconds)
                }
            }
        }
        if let failure = maintenance.keyFailure { throw failure }
        if ContinuousClock.now - lastObjectionCheck >= .seconds(1) { try refreshObjections() }
        let pending = trackers.reduce(0) { $0 + $1.routes.pendingBytes }
        if ContinuousClock.now - lastCommit >= .seconds(1)
            || pending > SegmentSet.commitBytes(compress: settings.compress)
        {
            try commit()
        }
        if state.isMaintainer { try maintain() }
        return read
    }

    /// Takes up objections made or withdrawn since the last look (`logonym object`, from another process), and
    /// those whose end has come: the lines read from then on follow them.
    func refreshObjections() throws {
        lastObjectionCheck = ContinuousClock.now
        for (tenant, factory) in factories {
            let current = try Objections(store: store, stateDirectory: settings.stateDirectory, tenant: tenant).filter()
            let previous = factory.objections
            if let current, current.isSame(as: previous) { continue }
            if current == nil && previous == nil { continue }
            factory.objections = current
            for tracker in trackers {
                for route in tracker.routes.routes where route.tenant == tenant {
                    route.processor?.objections = current
                }
            }
        }
    }

    /// Whether every file of every input was read to its current end.
    public var isIdle: Bool { trackers.allSatisfy(\.isIdle) }

    /// Bytes written to followed files that are not read yet (the daemon's lag, in bytes).
    public var backlogBytes: Int64 {
        trackers.reduce(0) { $0 + (($1 as? InputTracker)?.backlogBytes ?? 0) }
    }

    /// Whether every stream input (`logonym pipe`) reached its end.
    public var streamsEnded: Bool {
        trackers.allSatisfy { ($0 as? MessageInput)?.streamEnded ?? true }
    }

    /// Writes and fsyncs pending output, then records offsets and segment lengths in one transaction.
    public func commit() throws {
        var commit = StateStore.Commit()
        var ranges: [Range<Int>] = []
        for tracker in trackers {
            for segments in tracker.routes.segmentSets { commit.segments += try segments.flush() }
            let start = commit.files.count
            tracker.takeCommit(into: &commit)
            ranges.append(start..<commit.files.count)
            tracker.routes.takeStats(into: &commit, window: settings.window)
        }
        lastCommit = ContinuousClock.now
        guard !commit.files.isEmpty || !commit.segments.isEmpty || !commit.losses.isEmpty || !commit.stats.isEmpty
        else { return }
        let ids = try store.commit(commit)
        for (tracker, range) in zip(trackers, ranges) {
            tracker.committed(ids: Array(ids[range]))
        }
        // Segments closed by this commit are encrypted now (`[output] encrypt`); their windows' lines are all in.
        let closed = Set(commit.segments.filter { !$0.open }.map(\.input))
        if !closed.isEmpty {
            try state.maintenance.sealClosedSegments(inputs: closed.sorted())
        }
    }

    /// The final commit; descriptors are closed, segments stay open for the next start.
    public func shutdown() throws {
        try commit()
        for tracker in trackers {
            for segments in tracker.routes.segmentSets { segments.closeFiles() }
        }
        state.release()
    }

    /// What each input reports to the metrics endpoint.
    public var inputStatus: [LogonymMetrics.InputStatus] {
        let now = Int64(Date().timeIntervalSince1970)
        return trackers.map { tracker in
            let backlog = (tracker as? InputTracker)?.backlogBytes ?? 0
            let lag = backlog > 0 && tracker.watermark > .min ? Double(max(0, now - tracker.watermark)) : 0
            return LogonymMetrics.InputStatus(
                name: tracker.name,
                counters: tracker.lineCounters,
                lagBytes: backlog,
                lagSeconds: lag
            )
        }
    }

    /// Seconds since the last commit.
    public var checkpointAgeSeconds: Double {
        let (seconds, attoseconds) = (ContinuousClock.now - lastCommit).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Counters of every input, summed.
    public var counters: RunCounters {
        trackers.reduce(into: RunCounters()) { $0.add($1.lineCounters) }
    }
}

@available(*, unavailable)
extension TailEngine: Sendable {}
