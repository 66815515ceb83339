import Foundation
import Logging
import LogonymCore

/// Where one daemon input's lines go. Without tenants: one processor and one set of window segments (the input's
/// folder), as always. With tenants: one processor (the tenant's method, keys, scrub and geo) and one set of
/// segments (`OUT/TENANT/INPUT/`) per tenant the input serves, each line going to the tenant of its virtual host;
/// a line whose host matches no tenant goes to the default tenant, or is dropped and counted as `unrouted` under
/// the input's own name.
///
/// Every route's segments are flushed and committed in the engine's one transaction with the input's offsets, so
/// the exactly-once protocol covers every tenant's output together.
final class InputRoutes {
    /// One tenant's share of the input (or the whole input without tenants).
    final class Route {
        let tenant: String?
        let factory: ProcessorFactory
        let segments: SegmentSet
        let state = RoutingState()
        var processor: LineProcessor?

        init(tenant: String?, factory: ProcessorFactory, segments: SegmentSet) {
            self.tenant = tenant
            self.factory = factory
            self.segments = segments
        }
    }

    let input: InputSettings
    let routes: [Route]
    /// The tenants' hosts, when lines are routed by host (`nil`: every line takes route 0).
    private let hosts: TenantHosts?
    /// The route of lines no tenant claims (`nil`: dropped). A tenant's index in ``hosts`` is its route's.
    private let fallback: Int?
    private var hostReader: VirtualHostReader?
    /// Counts what is dropped before any tenant's processor sees it (unrouted lines, and with routing by host,
    /// lines too long to find their host in): its counters are the input's own (source: the input's name).
    private(set) var unrouted: LineProcessor?
    /// The route a long line in progress goes to (chosen at its first piece).
    private var longLineRoute: Int?

    /// - Parameter factories: the processor factory of each scope, by tenant name (`nil` key: without tenants).
    init(input: InputSettings, engine: EngineSettings, factories: [String?: ProcessorFactory]) throws {
        self.input = input
        guard !engine.tenants.isEmpty else {
            routes = [
                Route(tenant: nil, factory: factories[nil]!, segments: SegmentSet(input: input.name, engine: engine))
            ]
            hosts = nil
            fallback = 0
            return
        }
        func route(_ tenant: String) -> Route {
            let scoped = engine.scopes.first { $0.tenant == tenant }!
            return Route(
                tenant: tenant,
                factory: factories[tenant]!,
                segments: SegmentSet(input: scoped.source(input: input.name), engine: scoped)
            )
        }
        if let tenant = input.tenant {
            routes = [route(tenant)]
            hosts = nil
            fallback = 0
            return
        }
        routes = engine.tenants.map { route($0.name) }
        hosts = try TenantHosts(engine.tenants.map(\.hosts))
        fallback = engine.unroutedTenant.flatMap { name in engine.tenants.firstIndex { $0.name == name } }
    }

    /// Whether the processors are made (once the format is known).
    var isReady: Bool { routes[0].processor != nil }

    /// Makes every route's processor: the format given, or detected from `sample` once (and said once).
    func prepare(sample: [UInt8], json: JSONLineFormat, logger: Logger) {
        guard !isReady else { return }
        let first = routes[0].factory.make(for: input, sample: sample, json: json, logger: logger)
        routes[0].processor = first
        for route in routes.dropFirst() { route.processor = route.factory.make(first.format) }
        if hosts != nil {
            hostReader = VirtualHostReader(format: first.format)
            if !hostReader!.findsHosts {
                logger.warning(
                    "format \(first.format.name) has no virtual host field: every line is routed as unrouted",
                    metadata: ["input": "\(input.name)"]
                )
            }
            unrouted = routes[0].factory.make(first.format)
        }
    }

    /// One line (or a piece of a long one) as ``LineFramer`` cut it, into its tenant's segment.
    func take(_ b: UnsafeBufferPointer<UInt8>, _ event: LineFramer.Event) {
        guard hosts != nil else { return take(0, b, event) }
        switch event {
        case .line(let start, let end):
            let host = hostReader.flatMap {
                $0.host(b, from: start, to: end) ?? $0.leadingHost(b, from: start, to: end)
            }
            guard let index = route(host, b) else {
                unrouted?.countDroppedLine(.unrouted)
                return
            }
            take(index, b, event)
        case .piece(let start, let end, let begins, let ends):
            // A line too long to parse: routed by the host its first piece starts with, where the format begins
            // with the host.
            if begins { longLineRoute = route(hostReader?.leadingHost(b, from: start, to: end), b) }
            guard let index = longLineRoute else {
                if ends { unrouted?.countDroppedLine(.unrouted) }
                return
            }
            take(index, b, event)
            if ends { longLineRoute = nil }
        case .dropped:
            (fallback.flatMap { routes[$0].processor } ?? unrouted)?.countDroppedLine(.tooLong)
        }
    }

    /// The route of a line by its host: the tenant's, else the default tenant's; `nil` (dropped as unrouted) when
    /// no tenant claims the host and there is no default, or when the line's host could not be found at all (a line
    /// that does not match the format and does not begin with its host is not handed to a default tenant by guess).
    private func route(_ host: Range<Int>?, _ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let host, let hosts else { return nil }
        return hosts.tenant(of: b, host) ?? fallback
    }

    @inline(__always)
    private func take(_ index: Int, _ b: UnsafeBufferPointer<UInt8>, _ event: LineFramer.Event) {
        let route = routes[index]
        LineRouter(processor: route.processor!, segments: route.segments, state: route.state).take(b, event)
    }

    /// The newest line time over every route.
    var watermark: Int64 { routes.reduce(Int64.min) { max($0, $1.state.watermark) } }

    var segmentSets: [SegmentSet] { routes.map(\.segments) }

    var pendingBytes: Int { routes.reduce(0) { $0 + $1.segments.pendingBytes } }

    /// Every processor made so far.
    var processors: [LineProcessor] { routes.compactMap(\.processor) + (unrouted.map { [$0] } ?? []) }

    /// Counters of every route, summed (unrouted drops included).
    var counters: RunCounters {
        processors.reduce(into: RunCounters()) { $0.add($1.counters) }
    }

    /// Cuts every route's open segments back to their committed lengths.
    func recover(store: StateStore) throws {
        for route in routes { try route.segments.recover(committed: store.segments(input: route.segments.input)) }
    }

    /// Moves every route's counters into `commit`, each under its source.
    func takeStats(into commit: inout StateStore.Commit, window: WindowLength) {
        for route in routes {
            route.processor?.takeStats(input: route.segments.input, into: &commit, window: window)
        }
        unrouted?.takeStats(input: input.name, into: &commit, window: window)
    }
}

@available(*, unavailable)
extension InputRoutes: Sendable {}

@available(*, unavailable)
extension InputRoutes.Route: Sendable {}
