import Foundation
import LogonymCore
import LogonymIO
import Synchronization

/// What the daemon's `/metrics` and `/stats` show: the counters the ``TailService`` keeps up to date, and the
/// current window read from the state database once the engine has opened it.
final class MetricsEndpoint: Sendable {
    let metrics: LogonymMetrics
    private let window: WindowLength
    private let geoLevel: GeoLevel
    private let k: Int
    private let store = Mutex<StateStore?>(nil)
    private let stateDirectory: String
    private let attachment = AsyncStream<Void>.makeStream()

    init(settings: EngineSettings) {
        metrics = LogonymMetrics(method: settings.method)
        window = settings.window
        geoLevel = settings.geo?.level ?? .country
        k = settings.geo?.k ?? 10
        stateDirectory = settings.stateDirectory
    }

    /// The state database to read the current window from, once the engine holds the state directory.
    func attach(_ store: StateStore) {
        self.store.withLock { $0 = store }
        attachment.continuation.yield()
        attachment.continuation.finish()
    }

    /// Yields once ``attach(_:)`` was called: the endpoint is served from then on, as the engine is up.
    var attached: AsyncStream<Void> { attachment.stream }

    /// The body of `GET /metrics`.
    func renderMetrics() -> [UInt8] {
        if let store = store.withLock({ $0 }) {
            let start = window.start(of: Int64(Date().timeIntervalSince1970))
            let rows = (try? store.statsRows(since: start)) ?? []
            let geo = ((try? store.geoRows(since: start)) ?? []).map { ($0.bucket, $0.lines, $0.clients) }
            metrics.updateWindow(rows: rows, geo: geo, level: geoLevel, k: k)
        }
        return metrics.render()
    }

    /// The body of `GET /stats`: the current window as JSON, once the request is recorded in the audit log
    /// (`nil` if it cannot be). The requester is not known over HTTP: the entry names the daemon's user, and
    /// `[metrics] listen` decides who can ask.
    func renderStats() -> [UInt8]? {
        let start = window.start(of: Int64(Date().timeIntervalSince1970))
        guard let store = store.withLock({ $0 }) else { return nil }
        let rows = (try? store.statsRows(since: start)) ?? []
        let read = AuditEvent.read(
            "GET /stats",
            since: Double(start),
            returned: Int64(rows.count),
            note: "an HTTP request to the metrics listener"
        )
        do {
            try AuditLog(stateDirectory: stateDirectory, store: store).record(read)
        } catch {
            return nil
        }
        return Array(StatsReport(rows: rows, grouping: .source).jsonText.utf8)
    }
}
