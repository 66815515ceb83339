import Dispatch
import Glibc
import LogonymCore
import Synchronization

/// The threads processing one input's lines in parallel (``LinePump`` with more than one thread).
///
/// The pump reads each chunk into a buffer of the lanes (the first into its own) and hands its lines over where
/// they lie, without copying them: the chunk's whole lines go out in spans of about ``batchBytes``, cut at line
/// ends, which a lane cuts into lines exactly as the pump would, and what the pump's framer cuts itself (the
/// pieces of an overlong line, a last line without a newline) goes with them as single events. A buffer is read
/// into again once every batch cut from it is processed. Batch *k* goes to the next lane in turn, except that the
/// pieces of one overlong line all go to the lane of its first piece; a lane runs its batches in order through a
/// processor of its own (caches of its own, the same pseudonyms). A writer thread takes the outputs in batch order
/// and gives them to the pump's output buffer as if one thread had made them, so the output bytes are those of one
/// thread; at the end the lanes' counters are added to the first processor's.
///
/// At most `2 × lanes` batches are in flight, which bounds memory to a few MiB per lane: their outputs, and the
/// buffers they were cut from (at most one more than the batches).
final class ParallelLanes: @unchecked Sendable {
    /// A buffer a chunk is read into, lent to the batches cut from it.
    final class ChunkBuffer: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        /// Whether the lanes allocated it (else it is the pump's).
        private let owned: Bool
        /// The pump while it reads into it, and each batch cut from it until its lane is done with it.
        let holders = Atomic<Int>(1)

        init(_ bytes: UnsafeMutableRawBufferPointer, owned: Bool) {
            self.bytes = bytes
            self.owned = owned
        }

        deinit {
            if owned { bytes.deallocate() }
        }

        var start: UnsafeMutablePointer<UInt8> { bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) }
    }

    /// Lines of one buffer, and what a lane made of them.
    final class Batch: @unchecked Sendable {
        enum Item {
            /// Whole lines, the last one ending with its newline: the lane cuts them as the pump would.
            case lines(Int, Int)
            /// One thing the pump's framer cut (a piece of an overlong line, a last line without a newline).
            case event(LineFramer.Event)
        }

        var items: [Item] = []
        var buffer: ChunkBuffer?
        /// The bytes the items cover.
        var bytes = 0
        /// Whether a chunk the pump read ends after the last item: one thread would have handed its buffer to the
        /// sink there if it was full (after the piece of an overlong line).
        var endsChunk = false
        var output: [UInt8] = []
        /// Where the output stood at the end of the chunk, if the batch ends one.
        var outputAtChunkEnds: [Int] = []
        /// Lines completed (for progress).
        var lines = 0
        let done = DispatchSemaphore(value: 0)
    }

    /// A batch is handed to its lane once it holds this many bytes.
    let batchBytes: Int
    /// Lines longer than this are the framer's pieces (as in the pump).
    let maxLineBytes: Int
    /// Lane 0's processor is the pump's; the others are replicas.
    private let processors: [LineProcessor]
    private let lanes: [DispatchQueue]
    /// Takes the outputs in batch order and gives them to the pump (off the reading thread, which goes on
    /// reading meanwhile).
    private let writer = DispatchQueue(label: "logonym.lines.writer")
    /// Batches that may be in flight (read and not yet written).
    private let slots: DispatchSemaphore
    private let spare = Mutex<[Batch]>([])
    /// Buffers no batch holds any more.
    private let freeBuffers = Mutex<[ChunkBuffer]>([])
    /// The first error writing, after which nothing more is written.
    private let failure = Mutex<LogonymIOError?>(nil)
    private let linesWritten = Atomic<Int>(0)
    private var current = Batch()
    private var nextLane = 0
    /// The buffer the pump reads into.
    private var reading: ChunkBuffer

    /// Lanes over `processors`, taking the pump's lines from `buffer` on (the pump's buffer, read into already).
    init(processors: [LineProcessor], batchBytes: Int, maxLineBytes: Int, buffer: UnsafeMutableRawBufferPointer) {
        precondition(processors.count > 1, "one processor needs no lanes")
        self.processors = processors
        self.batchBytes = batchBytes
        self.maxLineBytes = maxLineBytes
        reading = ChunkBuffer(buffer, owned: false)
        lanes = processors.indices.map { DispatchQueue(label: "logonym.lines.\($0)") }
        slots = DispatchSemaphore(value: 2 * processors.count)
    }

    /// Lines whose output was given to the pump.
    var linesDone: Int { linesWritten.load(ordering: .relaxed) }

    /// The buffer the pump reads its next chunk into, with `carry` (the unfinished line at the end of the current
    /// one) copied to its front. The current one stays with the batches cut from it.
    func nextBuffer(carrying carry: Range<Int>) -> UnsafeMutableRawBufferPointer {
        let next =
            freeBuffers.withLock { $0.popLast() }
            ?? ChunkBuffer(.allocate(byteCount: reading.bytes.count, alignment: 64), owned: true)
        next.holders.store(1, ordering: .relaxed)
        if !carry.isEmpty { memcpy(next.start, reading.start + carry.lowerBound, carry.count) }
        release(reading)
        reading = next
        return next.bytes
    }

    /// Hands out the lines read into the buffer, `start..<filled`, like ``LineFramer/frame(_:from:filled:_:)``
    /// (with `framer`'s state): the whole lines in batches, the next piece of an overlong line. Returns where the
    /// unfinished rest starts. `chunkEnds`: the pump goes on reading after it (the chunk is not the input's last).
    func frame(
        from start: Int,
        filled: Int,
        framer: inout LineFramer,
        chunkEnds: Bool,
        pump: LinePump,
        sink: any OutputSink
    ) throws(LogonymIOError) -> Int {
        let base = reading.start
        let all = UnsafeBufferPointer(start: base, count: reading.bytes.count)
        var lineStart = start
        if framer.inPieces || framer.discarding, let hit = memchr(base + lineStart, 0x0A, filled - lineStart) {
            // The end of an overlong line: the framer's last piece.
            let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            lineStart = framer.frame(all, from: lineStart, filled: end) { add($0) }
        }
        if !framer.inPieces && !framer.discarding, let last = Self.lastNewline(base, from: lineStart, to: filled) {
            try share(base, lineStart..<(last + 1), pump: pump, sink: sink)
            lineStart = last + 1
        }
        // An unfinished line: its next piece if it is overlong.
        lineStart = framer.frame(all, from: lineStart, filled: filled) { add($0) }
        if !current.items.isEmpty {
            current.endsChunk = chunkEnds
            try submit(inPieces: framer.inPieces, pump: pump, sink: sink)
        }
        return lineStart
    }

    /// The input ended: its unfinished last line (`start..<end` of the buffer) is a line, or the end of one handed
    /// out in pieces. Then every output is written (``finish(pump:sink:)``).
    func finish(
        from start: Int,
        to end: Int,
        framer: inout LineFramer,
        pump: LinePump,
        sink: any OutputSink
    ) throws(LogonymIOError) {
        let all = UnsafeBufferPointer(start: reading.start, count: reading.bytes.count)
        framer.finish(all, from: start, to: end) { add($0) }
        try finish(pump: pump, sink: sink)
    }

    /// Hands out the last batch, waits until every output is written, and adds the lanes' counters to the first
    /// processor's.
    func finish(pump: LinePump, sink: any OutputSink) throws(LogonymIOError) {
        if !current.items.isEmpty { try submit(inPieces: false, pump: pump, sink: sink) }
        writer.sync {}
        if let error = failure.withLock({ $0 }) { throw error }
        for replica in processors.dropFirst() { processors[0].absorb(replica) }
    }

    @inline(__always)
    private func add(_ event: LineFramer.Event) {
        current.items.append(.event(event))
        if case .piece(let start, let end, _, _) = event { current.bytes += end - start }
    }

    /// Shares out whole lines (`range` ends with a newline) in batches of about ``batchBytes``, cut at line ends;
    /// the last batch (up to one and a half times that) is left for the chunk's end.
    private func share(
        _ base: UnsafeMutablePointer<UInt8>,
        _ range: Range<Int>,
        pump: LinePump,
        sink: any OutputSink
    ) throws(LogonymIOError) {
        var from = range.lowerBound
        let end = range.upperBound
        while current.bytes + (end - from) > batchBytes + batchBytes / 2 {
            let probe = from + max(batchBytes - current.bytes, 1) - 1
            let hit = memchr(base + probe, 0x0A, end - probe)!
            let cut = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            current.items.append(.lines(from, cut))
            current.bytes += cut - from
            from = cut
            if from == end { break }
            try submit(inPieces: false, pump: pump, sink: sink)
        }
        if from < end {
            current.items.append(.lines(from, end))
            current.bytes += end - from
        }
    }

    /// The position of the last newline in `start..<end`.
    private static func lastNewline(_ base: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = end
        while i > start {
            i -= 1
            if base[i] == 0x0A { return i }
        }
        return nil
    }

    private func release(_ buffer: ChunkBuffer) {
        if buffer.holders.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            freeBuffers.withLock { $0.append(buffer) }
        }
    }

    /// Hands the current batch to its lane, and its output, once made, to the writer.
    private func submit(inPieces: Bool, pump: LinePump, sink: any OutputSink) throws(LogonymIOError) {
        if let error = failure.withLock({ $0 }) {
            writer.sync {}  // (the batches in flight read the pump's buffers)
            throw error
        }
        slots.wait()
        let batch = current
        batch.buffer = reading
        reading.holders.add(1, ordering: .relaxed)
        let lane = nextLane
        if !inPieces { nextLane = (lane + 1) % processors.count }
        lanes[lane].async { [self] in
            let processor = processors[lane]
            let buffer = batch.buffer!
            let all = UnsafeBufferPointer(start: buffer.start, count: buffer.bytes.count)
            batch.output.removeAll(keepingCapacity: true)
            batch.outputAtChunkEnds.removeAll(keepingCapacity: true)
            var lines = 0
            var framer = LineFramer(maxLineBytes: maxLineBytes, overlong: .pieces)
            for item in batch.items {
                switch item {
                case .lines(let start, let end):
                    _ = framer.frame(all, from: start, filled: end) { event in
                        if processor.run(event, all, into: &batch.output) != nil { lines += 1 }
                    }
                case .event(let event):
                    if processor.run(event, all, into: &batch.output) != nil { lines += 1 }
                }
            }
            if batch.endsChunk { batch.outputAtChunkEnds.append(batch.output.count) }
            batch.lines = lines
            batch.buffer = nil
            release(buffer)
            batch.done.signal()
        }
        // (The pump and the sink are used by the writer only, until ``finish(pump:sink:)`` has waited for it.)
        nonisolated(unsafe) let pump = pump
        nonisolated(unsafe) let sink = sink
        writer.async { [self] in
            batch.done.wait()
            if failure.withLock({ $0 == nil }) {
                do throws(LogonymIOError) {
                    try pump.take(batch.output, chunkEnds: batch.outputAtChunkEnds, to: sink)
                } catch {
                    failure.withLock { $0 = error }
                }
            }
            linesWritten.add(batch.lines, ordering: .relaxed)
            spare.withLock { $0.append(batch) }
            slots.signal()
        }
        current = spare.withLock { $0.popLast() } ?? Batch()
        current.items.removeAll(keepingCapacity: true)
        current.bytes = 0
        current.endsChunk = false
    }
}
