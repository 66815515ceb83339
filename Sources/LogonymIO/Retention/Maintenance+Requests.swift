import Foundation
import Glibc
import Logging

// The request protocol between the maintenance commands (`retention`, `forget`) and the daemon. Whoever holds the
// `maintainer` lock does the work: the command itself when no daemon runs; otherwise the command writes a request
// into the state database's `requests` table (``StateDirectory/perform(_:timeout:)``, the asking half) and the
// daemon's engine serves it within a second or two and stores the outcome there
// (``Maintenance/servePendingRequests(owned:logger:beforeServing:prepare:rewritten:)``, the serving half).

extension Maintenance {
    /// A request handed over through the state database.
    public enum Request: Codable, Sendable {
        case forget(ErasurePlan)
        case retention(now: Int64)
        /// `logonym tenant remove`: every segment and key of a tenant no longer configured.
        case removeTenant(String)

        public var kind: String {
            switch self {
            case .forget: "forget"
            case .retention: "retention"
            case .removeTenant: "tenant remove"
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
            case .removeTenant(let name):
                return (Outcome(retention: try removeTenant(name, dryRun: false)), [])
            }
        } catch {
            return (Outcome(error: "\(error)"), [])
        }
    }

    /// The serving half, run by the holder of `maintainer` (the daemon's engine, every second): serves the pending
    /// requests, oldest first, and stores each outcome for the command that asked.
    ///
    /// - Parameters:
    ///   - owned: the inputs this process writes: it may rewrite their open segments without taking their locks.
    ///   - beforeServing: called once when any request waits (the engine commits, so that the state database is
    ///     current).
    ///   - prepare: called before each request is served (a retention request closes windows gone stale by its
    ///     time).
    ///   - rewritten: the open segments an erasure rewrote (they continue at their new length, in their new file).
    func servePendingRequests(
        owned: Set<String>,
        logger: Logger,
        beforeServing: () throws -> Void,
        prepare: (Request) -> Void,
        rewritten: ([StateStore.SegmentRecord]) -> Void
    ) throws {
        let requests = try store.pendingRequests()
        if !requests.isEmpty { try beforeServing() }
        for (id, _, arguments) in requests {
            let outcome: Outcome
            if let request = try? JSONDecoder().decode(Request.self, from: arguments) {
                prepare(request)
                let locks = InputLocks(stateDirectory: settings.stateDirectory, owned: owned)
                let (served, segments) = serve(request, mayWrite: locks.mayWrite)
                rewritten(segments)
                outcome = served
            } else {
                outcome = Outcome(error: "the request could not be read")
            }
            try store.finishRequest(id, result: try JSONEncoder().encode(outcome))
            if let error = outcome.error {
                logger.error("maintenance request \(id) failed: \(error)")
            } else {
                logger.notice("maintenance request \(id) done")
            }
        }
    }
}

extension StateDirectory {
    /// The asking half: runs `request` here when this process holds `maintainer`; otherwise hands it to the daemon
    /// and waits for its outcome (and runs it here after all if the daemon stops before it took it).
    ///
    /// - Throws: a ``LogonymIOError/Code/unanswered`` error when the daemon holds the lock but does not answer within
    ///   `timeout` (the request is withdrawn).
    public func perform(
        _ request: Maintenance.Request,
        timeout: Duration = .seconds(120)
    ) throws -> Maintenance.Outcome {
        if isMaintainer {
            let locks = InputLocks(stateDirectory: settings.stateDirectory)
            return maintenance.serve(request, mayWrite: locks.mayWrite).0
        }
        let id = try store.enqueueRequest(kind: request.kind, arguments: try JSONEncoder().encode(request))
        let deadline = ContinuousClock.now + timeout
        func result() throws -> Maintenance.Outcome? {
            try store.takeRequestResult(id).map { try JSONDecoder().decode(Maintenance.Outcome.self, from: $0) }
        }
        while ContinuousClock.now < deadline {
            if let outcome = try result() { return outcome }
            if try StateLock.attempt("maintainer", stateDirectory: settings.stateDirectory) != nil {
                // The daemon stopped: it served the request just before, or nobody will, so do it here.
                if let outcome = try result() { return outcome }
                try store.withdrawRequest(id)
                return try StateDirectory(settings: settings, role: .maintenance).perform(request, timeout: timeout)
            }
            usleep(100_000)
        }
        try store.withdrawRequest(id)
        throw LogonymIOError(
            code: .unanswered,
            path: settings.stateDirectory,
            message: "the daemon holds the maintainer lock but did not answer within \(timeout); is it stuck?"
        )
    }
}
