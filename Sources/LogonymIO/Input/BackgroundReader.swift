import Foundation

/// Reads a source on its own thread, a few chunks ahead of the caller: gzip input is inflated while the lines
/// before it are processed, so a run over `.gz` files costs about its slowest stage rather than their sum.
///
/// The chunks are handed out in order, then the end or the error that stopped the reading, exactly as the source
/// would have (everything decoded before damage first). At most ``chunks`` chunks are read ahead, which bounds
/// memory. Once the reader is dropped the thread stops after its current read.
final class BackgroundReader {
    /// Chunks read ahead, and their size.
    static let chunks = 4
    static let chunkBytes = 256 * 1024

    private let shared: Shared
    /// The chunk being handed out, and how much of it has been.
    private var current: (buffer: UnsafeMutableRawBufferPointer, count: Int)?
    private var handedOut = 0

    /// Starts reading with `read` (called on the reader's thread only); `position` is asked after each read.
    init(
        read: @escaping (UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int,
        position: @escaping () -> Int
    ) {
        shared = Shared()
        shared.source = (read, position)
        let shared = shared
        let thread = Thread { shared.produce() }
        thread.name = "logonym.inflate"
        thread.start()
    }

    deinit {
        shared.cancel()
    }

    /// How far the reader's source has come (ahead of what was handed out by up to ``chunks`` chunks).
    var position: Int { shared.locked { $0.position } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        guard buffer.count > 0 else { return 0 }
        if current == nil || handedOut == current!.count {
            // Given back once: after an error or the end, there is no chunk to give back again.
            let used = current?.buffer
            current = nil
            let next = try shared.next(returning: used)
            current = next
            handedOut = 0
            guard next != nil else { return 0 }
        }
        let (chunk, count) = current!
        let n = min(buffer.count, count - handedOut)
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: chunk[handedOut..<(handedOut + n)]))
        handedOut += n
        return n
    }

    /// What the two threads share, under one condition.
    private final class Shared: @unchecked Sendable {
        struct State {
            var ready: [(buffer: UnsafeMutableRawBufferPointer, count: Int)] = []
            var free: [UnsafeMutableRawBufferPointer] = []
            var error: LogonymIOError?
            var ended = false
            var cancelled = false
            var position = 0
        }

        private let condition = NSCondition()
        private var state = State()
        /// How the reader's thread reads, and asks its position (set before the thread starts, used there only).
        var source:
            (
                read: (UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int,
                position: () -> Int
            )?
        private var buffers: [UnsafeMutableRawBufferPointer] = []

        init() {
            buffers = (0..<BackgroundReader.chunks).map { _ in
                .allocate(byteCount: BackgroundReader.chunkBytes, alignment: 16)
            }
            state.free = buffers
        }

        deinit {
            for buffer in buffers { buffer.deallocate() }
        }

        func locked<T>(_ body: (inout State) -> T) -> T {
            condition.lock()
            defer { condition.unlock() }
            return body(&state)
        }

        func cancel() {
            condition.lock()
            state.cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        /// The reader's loop: a free chunk, filled outside the lock, handed over in order.
        func produce() {
            guard let (read, position) = source else { return }
            // Dropped when reading stops: the source (and its descriptor) goes with the last reference.
            defer { source = nil }
            while true {
                condition.lock()
                while state.free.isEmpty && !state.cancelled { condition.wait() }
                if state.cancelled {
                    condition.unlock()
                    return
                }
                let buffer = state.free.removeLast()
                condition.unlock()
                var failure: LogonymIOError?
                var n = 0
                do throws(LogonymIOError) {
                    n = try read(buffer)
                } catch {
                    failure = error
                }
                let at = position()
                condition.lock()
                state.position = at
                if n > 0 {
                    state.ready.append((buffer, n))
                } else {
                    state.free.append(buffer)
                }
                if n == 0 || failure != nil {
                    state.error = failure
                    state.ended = true
                }
                condition.broadcast()
                condition.unlock()
                if n == 0 || failure != nil { return }
            }
        }

        /// Gives `used` back and waits for the next chunk; `nil` at the end, or the error that ended the reading
        /// (thrown once).
        func next(
            returning used: UnsafeMutableRawBufferPointer?
        ) throws(LogonymIOError) -> (buffer: UnsafeMutableRawBufferPointer, count: Int)? {
            condition.lock()
            defer { condition.unlock() }
            if let used {
                state.free.append(used)
                condition.broadcast()
            }
            while state.ready.isEmpty && !state.ended { condition.wait() }
            if !state.ready.isEmpty { return state.ready.removeFirst() }
            if let error = state.error {
                state.error = nil
                throw error
            }
            return nil
        }
    }
}

@available(*, unavailable)
extension BackgroundReader: Sendable {}
