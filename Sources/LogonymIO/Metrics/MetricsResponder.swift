import NIOCore
import NIOHTTP1
import NIOPosix

/// What the endpoint answers: the route of a request, and its body made on the server's own thread.
struct MetricsResponder: Sendable {
    let metrics: @Sendable () -> [UInt8]
    /// `nil` when the read could not be recorded in the audit log: then 503, and nothing is shown.
    let stats: @Sendable () -> [UInt8]?
    let pool: NIOThreadPool

    /// A response before it is written.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
    }

    /// The response to a request head, completed on `eventLoop`. Only `GET /metrics` and `GET /stats` (exactly)
    /// have bodies of their own; another method gets 405, another path 404.
    func respond(to head: HTTPRequestHead, on eventLoop: any EventLoop) -> EventLoopFuture<Response> {
        guard head.method == .GET else {
            return eventLoop.makeSucceededFuture(
                Response(status: .methodNotAllowed, contentType: "text/plain", body: Array("only GET\n".utf8))
            )
        }
        switch head.uri {
        case "/metrics":
            let metrics = metrics
            return pool.runIfActive(eventLoop: eventLoop) {
                Response(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics())
            }
        case "/stats":
            let stats = stats
            return pool.runIfActive(eventLoop: eventLoop) {
                guard let body = stats() else {
                    return Response(
                        status: .serviceUnavailable,
                        contentType: "text/plain",
                        body: Array("this read could not be recorded in the audit log\n".utf8)
                    )
                }
                return Response(status: .ok, contentType: "application/json", body: body)
            }
        default:
            return eventLoop.makeSucceededFuture(
                Response(status: .notFound, contentType: "text/plain", body: Array("GET /metrics or /stats\n".utf8))
            )
        }
    }
}
