import NIOCore
import Synchronization

/// The open connections of a ``MetricsServer``: a bound on how many, and the graceful end of all of them.
final class MetricsConnections: Sendable {
    private let limit: Int
    private let state = Mutex<(open: [ObjectIdentifier: any Channel], quiescing: Bool)>(([:], false))

    init(limit: Int) {
        self.limit = limit
    }

    /// Records a new connection; throws (and the connection is closed) past the limit or once quiescing began.
    func admit(_ channel: any Channel) throws(Refused) {
        let id = ObjectIdentifier(channel)
        let admitted = state.withLock { state in
            guard !state.quiescing, state.open.count < limit else { return false }
            state.open[id] = channel
            return true
        }
        guard admitted else { throw Refused() }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.open.removeValue(forKey: id) }
        }
    }

    /// Refuses new connections, asks every open one to finish its request in progress and close (idle ones close
    /// at once), and returns when all are closed.
    func quiesce() async {
        let open = state.withLock { state in
            state.quiescing = true
            return Array(state.open.values)
        }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        for channel in open {
            try? await channel.closeFuture.get()
        }
    }

    /// Closes every connection now.
    func closeAll() {
        let open = state.withLock { state in
            state.quiescing = true
            return Array(state.open.values)
        }
        for channel in open { channel.close(promise: nil) }
    }

    /// A connection past the limit, or one accepted while shutting down.
    struct Refused: Error {}
}
