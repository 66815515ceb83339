import Foundation
import Logging
import LogonymCore
import LogonymIO
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The daemon as a ``Service``: runs the ``TailEngine`` loop, reports to systemd, reloads on SIGHUP, and on
/// SIGTERM or SIGINT stops reading, commits and returns.
final class TailService: Service, Sendable {
    let configPath: String
    let initial: DaemonConfig
    let notifier: SystemdNotifier
    let logger: Logger
    let once: Bool
    /// `logonym pipe`: stop when standard input ends.
    let untilStreamEnds: Bool
    /// What `/metrics` and `/stats` show, when `[metrics]` is configured (served by a ``MetricsService``).
    let endpoint: MetricsEndpoint?
    private let stopRequested = Atomic<Bool>(false)
    private let reloadRequested = Atomic<Bool>(false)

    init(
        config: DaemonConfig,
        notifier: SystemdNotifier,
        logger: Logger,
        once: Bool,
        untilStreamEnds: Bool = false,
        endpoint: MetricsEndpoint? = nil
    ) {
        self.untilStreamEnds = untilStreamEnds
        self.endpoint = endpoint
        self.configPath = config.path
        self.initial = config
        self.notifier = notifier
        self.logger = logger
        self.once = once
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        reloadRequested.store(true, ordering: .relaxed)
                    }
                }
                defer { group.cancelAll() }
                try await loop()
            }
        } onGracefulShutdown: { [self] in
            stopRequested.store(true, ordering: .relaxed)
        }
    }

    private func loop() async throws {
        var config = initial
        let maintainer = !untilStreamEnds
        var engine = try TailEngine(settings: config.engine, logger: logger, maintainer: maintainer)
        let endpoint = maintainer ? self.endpoint : nil
        if let endpoint {
            endpoint.attach(try StateStore(directory: config.engine.stateDirectory, group: config.engine.stateGroup))
        }
        engine.onSweep = endpoint.map { metrics in { metrics.metrics.recordDeletions($0) } }
        var lastMetrics = ContinuousClock.now - .seconds(10)
        if maintainer { try engine.maintenance.audit.record(AuditEvent("config_loaded", path: configPath)) }
        try engine.step()
        notifier.send("READY=1\nSTATUS=started")
        logger.info("ready", metadata: ["inputs": "\(config.engine.inputs.map(\.name))"])
        let clock = ContinuousClock()
        var lastWatchdog = clock.now
        var lastStatus = clock.now
        var linesAtStatus = 0
        while !stopRequested.load(ordering: .relaxed) {
            if reloadRequested.exchange(false, ordering: .relaxed) {
                notifier.reloading()
                switch ConfigFile.load(configPath).map({ $0.selecting(initial.selection) }) {
                case .success(let reloaded):
                    try engine.shutdown()
                    config = reloaded
                    engine = try TailEngine(settings: config.engine, logger: logger, maintainer: maintainer)
                    engine.onSweep = endpoint.map { metrics in { metrics.metrics.recordDeletions($0) } }
                    if maintainer {
                        try engine.maintenance.audit.record(AuditEvent("config_reloaded", path: configPath))
                    }
                    logger.notice("configuration reloaded", metadata: ["config": "\(configPath)"])
                case .failure(let problems):
                    for problem in problems.problems { logger.error("\(problem)") }
                    logger.error("the new configuration is invalid; keeping the running one")
                }
                notifier.send("READY=1")
            }
            let read = try engine.step()
            let now = clock.now
            if let endpoint, now - lastMetrics >= .seconds(1) {
                endpoint.metrics.update(
                    inputs: engine.inputStatus,
                    checkpointAgeSeconds: engine.checkpointAgeSeconds,
                    keysAlive: KeyStore.allLiveKeys(stateDirectory: config.engine.stateDirectory).count
                )
                lastMetrics = now
            }
            if let interval = notifier.watchdogInterval, now - lastWatchdog >= interval / 2 {
                notifier.send("WATCHDOG=1")
                lastWatchdog = now
            }
            if now - lastStatus >= .seconds(5) {
                let lines = engine.counters.linesRead
                let seconds = BatchRunner.seconds(now - lastStatus)
                let rate = Int(Double(lines - linesAtStatus) / seconds)
                notifier.send(
                    "STATUS=\(rate) lines/s, lag \(engine.backlogBytes) bytes unread, \(lines) lines since start"
                )
                linesAtStatus = lines
                lastStatus = now
            }
            if untilStreamEnds && engine.streamsEnded { break }
            if read == 0 {
                if once && engine.isIdle {
                    try engine.commit()
                    if engine.isIdle { break }
                }
                try await Task.sleep(for: config.pollInterval)
            }
        }
        notifier.send("STOPPING=1")
        try engine.shutdown()
        let counters = engine.counters
        logger.info(
            "stopped",
            metadata: [
                "lines_read": "\(counters.linesRead)", "lines_written": "\(counters.linesWritten)",
                "lines_dropped": "\(counters.linesDropped)",
            ]
        )
    }
}
