import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The HTTP/1.1 endpoint of the daemon: `GET /metrics` (Prometheus text exposition) and `GET /stats` (the current
/// window as JSON), on a loopback TCP address or a Unix socket, served by SwiftNIO.
///
/// Every connection has its own deadlines, so that a slow or silent client holds only its own connection: a request
/// head must arrive complete within ``Limits/readTimeout`` (the same bound closes idle keep-alive connections), a
/// response must be taken within ``Limits/writeTimeout``, and a head larger than ``Limits/headBytes`` is answered
/// `431` and closed. The two bodies are made on one thread of their own, one at a time, off the event loop.
///
/// ```swift
/// let server = try MetricsServer(listen: "127.0.0.1:9464", allowRemote: false, metrics: render, stats: report)
/// try await server.run()  // until shutdown() or cancellation
/// ```
public final class MetricsServer: Sendable {
    /// The `listen` value the server was made with.
    public let listen: String
    let address: Address
    let limits: Limits
    let metrics: @Sendable () -> [UInt8]
    let stats: @Sendable () -> [UInt8]?
    private let state: Mutex<State>

    private enum State {
        case idle
        case running(any Channel)
        case stopRequested
        case finished
    }

    /// Bounds on what one client may take of the server.
    public struct Limits: Sendable {
        /// The largest request head (request line and headers), in bytes; a larger one gets `431`.
        public var headBytes: Int
        /// How long a connection may take to send a complete request, counted from its start or from the end of
        /// the previous response (so idle keep-alive connections are closed too).
        public var readTimeout: Duration
        /// How long a client may take to receive a response.
        public var writeTimeout: Duration
        /// Connections open at once; more are closed as soon as they are accepted.
        public var maxConnections: Int

        /// 16 KiB heads, 5 s to send a request, 5 s to receive a response, 512 connections.
        public init(
            headBytes: Int = 16 * 1024,
            readTimeout: Duration = .seconds(5),
            writeTimeout: Duration = .seconds(5),
            maxConnections: Int = 512
        ) {
            self.headBytes = headBytes
            self.readTimeout = readTimeout
            self.writeTimeout = writeTimeout
            self.maxConnections = maxConnections
        }
    }

    /// Checks the address (a non-local one only with `allowRemote`); ``run()`` binds it and serves.
    ///
    /// - Parameters:
    ///   - listen: `127.0.0.1:9464`, `[::1]:9464` or `unix:/run/logonym/metrics.sock` (made 0660).
    ///   - allowRemote: Whether a non-loopback address may be served.
    ///   - limits: Size and time bounds per connection.
    ///   - metrics: The body of `GET /metrics`.
    ///   - stats: The body of `GET /stats`; `nil` answers 503 (the read could not be recorded in the audit log).
    public init(
        listen: String,
        allowRemote: Bool,
        limits: Limits = Limits(),
        metrics: @escaping @Sendable () -> [UInt8],
        stats: @escaping @Sendable () -> [UInt8]?
    ) throws(LogonymIOError) {
        guard let address = Address(listen) else {
            throw LogonymIOError(code: .openFailed, path: listen, message: "not a listen address")
        }
        guard address.isLocal || allowRemote else {
            throw LogonymIOError(
                code: .permissionDenied,
                path: listen,
                message: "not a loopback address; set metrics.allow_remote = true to serve it to the network"
            )
        }
        self.listen = listen
        self.address = address
        self.limits = limits
        self.metrics = metrics
        self.stats = stats
        state = Mutex(.idle)
    }

    /// Binds the address and serves until ``shutdown()`` or until the task is cancelled; call it once.
    ///
    /// A Unix socket replaces a stale one at its path and is made 0660. After ``shutdown()`` no connection is
    /// accepted, requests in progress are answered and then every connection is closed; the call returns when the
    /// last one is. Cancellation closes everything at once.
    /// - Parameter onListening: Called once the address is bound and connections are accepted.
    public func run(onListening: @Sendable () -> Void = {}) async throws {
        let stopped = state.withLock { state in
            switch state {
            case .idle: return false
            case .stopRequested: return true
            case .running, .finished: preconditionFailure("MetricsServer.run() called twice")
            }
        }
        guard !stopped else { return }
        let fd = try Self.bind(address, backlog: 256)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let connections = MetricsConnections(limit: limits.maxConnections)
        let channel: any Channel
        do {
            channel = try await bootstrap(pool: pool, connections: connections).withBoundSocket(fd).get()
        } catch {
            // NIO owns the descriptor from here on, also when it fails.
            try? await pool.shutdownGracefully()
            throw LogonymIOError(code: .openFailed, path: listen, message: "cannot serve: \(error)")
        }
        let stopAlreadyRequested = state.withLock { state in
            if case .idle = state {
                state = .running(channel)
                return false
            }
            return true
        }
        if stopAlreadyRequested { channel.close(promise: nil) } else { onListening() }
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
            await connections.quiesce()
        } onCancel: {
            channel.close(promise: nil)
            connections.closeAll()
        }
        state.withLock { $0 = .finished }
        try await pool.shutdownGracefully()
    }

    /// Stops accepting connections and lets ``run()`` finish the requests in progress and return.
    public func shutdown() {
        let channel: (any Channel)? = state.withLock { state in
            switch state {
            case .running(let channel):
                state = .finished
                return channel
            case .idle:
                state = .stopRequested
                return nil
            case .stopRequested, .finished:
                return nil
            }
        }
        channel?.close(promise: nil)
    }

    private func bootstrap(pool: NIOThreadPool, connections: MetricsConnections) -> ServerBootstrap {
        let limits = limits
        let responder = MetricsResponder(metrics: metrics, stats: stats, pool: pool)
        let decoderLimits = {
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = limits.headBytes
            decoderLimits.maxHeaderListSize = limits.headBytes
            return decoderLimits
        }()
        return ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try connections.admit(channel)
                    let limiter = HeadSizeLimiter(limit: limits.headBytes)
                    let decoder = HTTPRequestDecoder(
                        leftOverBytesStrategy: .dropBytes,
                        limitConfiguration: decoderLimits
                    )
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(limiter)
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(ByteToMessageHandler(decoder))
                    try pipeline.addHandler(HTTPServerPipelineHandler())
                    try pipeline.addHandler(MetricsHTTPHandler(responder: responder, limits: limits, limiter: limiter))
                }
            }
    }
}
