import NIOCore
import NIOHTTP1

/// One connection of the endpoint: answers each request through the ``MetricsResponder`` and enforces the read and
/// write deadlines of ``MetricsServer/Limits``.
///
/// The read deadline runs from the connection's start, and again from the end of each response when the connection
/// is kept alive, until a request is complete; the write deadline runs from a response's first byte until the client
/// has taken all of it. Either one closes the connection.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: MetricsResponder
    private let limits: MetricsServer.Limits
    private let limiter: HeadSizeLimiter
    private var head: HTTPRequestHead?
    private var responsesPending = 0
    private var readDeadline: Scheduled<Void>?

    init(responder: MetricsResponder, limits: MetricsServer.Limits, limiter: HeadSizeLimiter) {
        self.responder = responder
        self.limits = limits
        self.limiter = limiter
    }

    func channelActive(context: ChannelHandlerContext) {
        armReadDeadline(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        readDeadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            limiter.headReceived()
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            readDeadline?.cancel()
            readDeadline = nil
            respond(to: head, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A head cut short by the close of the connection is reported here too; nothing can be answered then.
        guard let error = error as? HTTPParserError, responsesPending == 0, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus = error == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        responsesPending += 1
        write(MetricsResponder.Response(status: status, contentType: "text/plain", body: []), keepAlive: false, context)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        responsesPending += 1
        // Only a GET keeps the connection: the 405 to a HEAD carries a body, which would confuse what follows.
        let keepAlive = head.isKeepAlive && head.method == .GET
        responder.respond(to: head, on: context.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let response): self.write(response, keepAlive: keepAlive, context)
            case .failure: context.close(promise: nil)
            }
        }
    }

    private func write(_ response: MetricsResponder.Response, keepAlive: Bool, _ context: ChannelHandlerContext) {
        guard context.channel.isActive else {
            responsesPending -= 1
            return
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        let body = context.channel.allocator.buffer(bytes: response.body)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: written)
        let deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.writeTimeout)) {
            context.close(promise: nil)
        }
        written.futureResult.assumeIsolated().whenComplete { result in
            deadline.cancel()
            self.responsesPending -= 1
            guard case .success = result, keepAlive else {
                context.close(promise: nil)
                return
            }
            if self.responsesPending == 0 { self.armReadDeadline(context: context) }
        }
    }

    private func armReadDeadline(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        readDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.readTimeout)) {
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension MetricsHTTPHandler: Sendable {}
