import Foundation
import Glibc
import Logging
import LogonymCore

/// An input whose lines arrive as messages rather than as a file: syslog datagrams on a Unix socket (and UDP on
/// loopback), or the standard input of `logonym pipe`. Lines go into the same window segments as file inputs;
/// what was committed is never lost, what is received but not yet committed when the process is killed can be.
final class MessageInput: EngineInput {
    let settings: InputSettings
    let engine: EngineSettings
    let routes: InputRoutes
    let logger: Logger
    private var descriptors: [Int32] = []
    private var receiver: DatagramReceiver?
    private var socketPath: String?
    /// For a stream: the partial last line, and the framer that holds or skips it.
    private var partial: [UInt8] = []
    private var framer: LineFramer
    private(set) var streamEnded = false
    private var idle = true
    var addedFiles = false

    var name: String { settings.name }
    var isIdle: Bool { idle }

    let store: StateStore

    init(
        settings: InputSettings,
        engine: EngineSettings,
        store: StateStore,
        routes: InputRoutes,
        logger: Logger
    ) throws {
        self.store = store
        self.settings = settings
        self.engine = engine
        self.routes = routes
        self.logger = logger
        framer = engine.lineFramer
        switch settings.source {
        case .syslog(let socket, let udp, let mode):
            if let socket { try bindUnix(socket, mode: mode) }
            if let udp { try bindUDP(udp) }
            // A Unix datagram socket queues only a few messages (net.unix.max_dgram_qlen), and nginx drops what
            // does not fit: a thread of its own takes them off the socket as they come.
            receiver = DatagramReceiver(descriptors: descriptors, limit: 64 << 20)
            receiver?.start()
        case .pipe:
            _ = fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK)
            descriptors = [0]
        case .files:
            preconditionFailure("file inputs are followed by InputTracker")
        }
    }

    deinit {
        receiver?.stop()
        for fd in descriptors where fd != 0 { close(fd) }
        if let socketPath { unlink(socketPath) }
    }

    /// Cuts this input's open segments back to their committed lengths.
    func recover() throws {
        try routes.recover(store: store)
    }
    func scan() {}
    func takeCommit(into commit: inout StateStore.Commit) {}
    func committed(ids: [Int64?]) {}

    func read(budget: Int, scratch: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        idle = true
        if let receiver {
            for message in receiver.take() {
                idle = false
                total += message.count
                message.withUnsafeBufferPointer { datagram($0) }
            }
            let dropped = receiver.takeDropped()
            if dropped > 0 {
                // Messages dropped before any arrived: the format is not known, and is taken as given or detected
                // from nothing (as before tenants).
                prepare([])
                for _ in 0..<dropped { (routes.unrouted ?? routes.routes[0].processor!).countDroppedLine(.overflow) }
            }
            return total
        }
        for fd in descriptors {
            while total < budget {
                let n =
                    fd == 0
                    ? Glibc.read(fd, scratch.baseAddress, scratch.count)
                    : recv(fd, scratch.baseAddress, scratch.count, Int32(MSG_DONTWAIT))
                if n < 0 {
                    if errno == EINTR { continue }
                    break  // EAGAIN: nothing more now
                }
                if n == 0 {
                    if fd == 0 {
                        streamEnded = true
                        let rest = partial
                        partial = []
                        rest.withUnsafeBufferPointer { all in
                            framer.finish(all, from: 0, to: all.count) { handle(all, $0) }
                        }
                    }
                    break
                }
                idle = false
                total += n
                let bytes = UnsafeBufferPointer(
                    start: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    count: n
                )
                if fd == 0 { stream(bytes) } else { datagram(bytes) }
            }
        }
        return total
    }

    /// A syslog message: `<PRI>Mmm dd hh:mm:ss [host] tag: MESSAGE`; the message is the log line (or lines: each
    /// counted and written as what it is).
    private func datagram(_ b: UnsafeBufferPointer<UInt8>) {
        var start = 0
        if b.count > 0 && b[0] == UInt8(ascii: "<") {
            var i = 1
            while i < b.count && b[i] != UInt8(ascii: ">") { i += 1 }
            start = i + 1
            // "Mmm dd hh:mm:ss " then an optional host and the tag, which ends in ": ".
            var j = min(b.count, start + 16)
            while j + 1 < b.count && !(b[j] == UInt8(ascii: ":") && b[j + 1] == UInt8(ascii: " ")) { j += 1 }
            if j + 1 < b.count { start = j + 2 }
        }
        var end = b.count
        while end > start && (b[end - 1] == 0x0A || b[end - 1] == 0x00) { end -= 1 }
        guard end > start else { return }
        // The datagram is a source of its own: it ends where it ends.
        var lines = engine.lineFramer
        let rest = lines.frame(b, from: start, filled: end) { handle(b, $0) }
        lines.finish(b, from: rest, to: end) { handle(b, $0) }
    }

    /// Standard input: complete lines now, the partial last one when its newline arrives (or the input ends).
    private func stream(_ b: UnsafeBufferPointer<UInt8>) {
        var data = partial
        data.append(contentsOf: b)
        data.withUnsafeBufferPointer { all in
            let rest = framer.frame(all, filled: all.count) { handle(all, $0) }
            partial = framer.discarding ? [] : Array(all[rest...])
        }
    }

    private func handle(_ b: UnsafeBufferPointer<UInt8>, _ event: LineFramer.Event) {
        // The first line is the sample the format is detected from, when it is not given.
        if !routes.isReady { prepare(Self.bytes(of: event, in: b)) }
        routes.take(b, event)
    }

    /// The bytes of a line the framer cut (none for a dropped one).
    private static func bytes(of event: LineFramer.Event, in b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        switch event {
        case .line(let start, let end), .piece(let start, let end, _, _): Array(b[start..<end])
        case .dropped: []
        }
    }

    /// Makes the input's processors, the format detected from `sample` when it is not given.
    private func prepare(_ sample: [UInt8]) {
        routes.prepare(sample: sample, json: engine.json, logger: logger)
    }

    private func bindUnix(_ path: String, mode: UInt16) throws {
        let fd = try UnixSocket.bind(path, type: Int32(SOCK_DGRAM.rawValue), mode: mode_t(mode))
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        descriptors.append(fd)
        socketPath = path
        logger.info("listening for syslog on \(path)", metadata: ["input": "\(settings.name)"])
    }

    private func bindUDP(_ endpoint: String) throws {
        let parts = endpoint.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else {
            throw LogonymIOError(code: .openFailed, path: endpoint, message: "expected 127.0.0.1:PORT")
        }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(parts[0]), &address.sin_addr) == 1,
            UInt32(bigEndian: address.sin_addr.s_addr) >> 24 == 127
        else {
            throw LogonymIOError(code: .openFailed, path: endpoint, message: "syslog over UDP listens on loopback only")
        }
        let result = UnixSocket.bind(fd, &address)
        guard fd >= 0, result == 0 else { throw LogonymIOError.system("bind", path: endpoint, errno: errno) }
        descriptors.append(fd)
        logger.info("listening for syslog on udp \(endpoint)", metadata: ["input": "\(settings.name)"])
    }
}

@available(*, unavailable)
extension MessageInput: Sendable {}

/// Receives datagrams on its own thread into a bounded queue that the engine drains; when the queue is full,
/// messages are counted as dropped (`overflow`) instead of blocking the senders.
final class DatagramReceiver: @unchecked Sendable {
    private let descriptors: [Int32]
    private let limit: Int
    private let lock = NSLock()
    private var queue: [[UInt8]] = []
    private var queuedBytes = 0
    private var dropped = 0
    private var stopping = false
    private var thread: Thread?

    init(descriptors: [Int32], limit: Int) {
        self.descriptors = descriptors
        self.limit = limit
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "logonym-syslog"
        self.thread = thread
        thread.start()
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
    }

    private func run() {
        var polls = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            lock.lock()
            let done = stopping
            lock.unlock()
            if done { return }
            guard poll(&polls, nfds_t(polls.count), 200) > 0 else { continue }
            for index in polls.indices where polls[index].revents & Int16(POLLIN) != 0 {
                while true {
                    let n = buffer.withUnsafeMutableBytes {
                        recv(polls[index].fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                    }
                    if n <= 0 { break }
                    lock.lock()
                    if queuedBytes + n > limit {
                        dropped += 1
                    } else {
                        queue.append(Array(buffer[0..<n]))
                        queuedBytes += n
                    }
                    lock.unlock()
                }
            }
        }
    }

    func take() -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        let taken = queue
        queue.removeAll(keepingCapacity: true)
        queuedBytes = 0
        return taken
    }

    func takeDropped() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let count = dropped
        dropped = 0
        return count
    }
}
