import Logging
import LogonymIO
import ServiceLifecycle

/// The ``MetricsServer`` as a member of the daemon's service group. It binds its address once the ``TailService``
/// holds the state directory (so a second daemon on the same state never takes over the first one's socket), serves
/// until the group shuts down, then stops accepting, answers the requests in progress and closes every connection.
struct MetricsService: Service {
    let server: MetricsServer
    let endpoint: MetricsEndpoint
    let logger: Logger

    /// Checks `[metrics] listen`; nothing is bound yet.
    init(listen: String, allowRemote: Bool, endpoint: MetricsEndpoint, logger: Logger) throws(LogonymIOError) {
        server = try MetricsServer(
            listen: listen,
            allowRemote: allowRemote,
            metrics: { endpoint.renderMetrics() },
            stats: { endpoint.renderStats() }
        )
        self.endpoint = endpoint
        self.logger = logger
    }

    func run() async throws {
        var attached = false
        for await _ in endpoint.attached.cancelOnGracefulShutdown() {
            attached = true
            break
        }
        guard attached else { return }
        try await withGracefulShutdownHandler {
            try await server.run { [logger, server] in
                logger.notice("metrics: GET /metrics and /stats on \(server.listen)")
            }
        } onGracefulShutdown: {
            server.shutdown()
        }
        logger.debug("metrics: stopped")
    }
}
