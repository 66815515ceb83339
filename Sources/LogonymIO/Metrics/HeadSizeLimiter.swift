import NIOCore

/// Counts the bytes a connection sends between request heads; past the limit it answers `431` itself and closes, so
/// that neither a long request line nor long headers are buffered without bound.
final class HeadSizeLimiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limit: Int
    private var received = 0
    private var tripped = false

    init(limit: Int) {
        self.limit = limit
    }

    /// A complete head was decoded: what follows belongs to the next request.
    func headReceived() {
        received = 0
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !tripped else { return }
        received += Self.unwrapInboundIn(data).readableBytes
        guard received > limit else {
            context.fireChannelRead(data)
            return
        }
        tripped = true
        let answer = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(string: answer)), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HeadSizeLimiter: Sendable {}
