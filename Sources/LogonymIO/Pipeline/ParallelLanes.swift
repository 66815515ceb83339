import Dispatch
import Glibc
import LogonymCore
import Synchronization

/// The threads processing one input's lines in parallel (``LinePump`` with more than one thread).
///
/// The reading thread cuts lines exactly as one thread would and copies them, with where each starts and ends, into
/// batches of about ``batchBytes``. Batch *k* goes to the next lane in turn, except that the pieces of one overlong
/// line all go to the lane of its first piece; a lane runs its batches in order through a processor of its own
/// (caches of its own, the same pseudonyms). A writer thread takes the outputs in batch order and gives them to the
/// pump's output buffer as if one thread had made them, so the output bytes are those of one thread; at the end the
/// lanes' counters are added to the first processor's.
///
/// At most `2 × lanes` batches are in flight, which bounds memory to a few MiB per lane.
final class ParallelLanes: @unchecked Sendable {
    /// Lines copied out of the pump's buffer, and what a lane made of them.
    final class Batch: @unchecked Sendable {
        var input: [UInt8] = []
        var events: [LineFramer.Event] = []
        var output: [UInt8] = []
        /// How many events there were when each chunk the pump read ended, and where the output stood then: one
        /// thread would have handed its buffer to the sink there if it was full (after the piece of an overlong line).
        var chunkEnds: [Int] = []
        var outputAtChunkEnds: [Int] = []
        /// Lines completed (for progress).
        var lines = 0
        let done = DispatchSemaphore(value: 0)
    }

    /// A batch is handed to its lane once it holds this many bytes.
    let batchBytes: Int
    /// Lane 0's processor is the pump's; the others are replicas.
    private let processors: [LineProcessor]
    private let lanes: [DispatchQueue]
    /// Takes the outputs in batch order and gives them to the pump (off the reading thread, which goes on
    /// reading meanwhile).
    private let writer = DispatchQueue(label: "logonym.lines.writer")
    /// Batches that may be in flight (read and not yet written).
    private let slots: DispatchSemaphore
    private let spare = Mutex<[Batch]>([])
    /// The first error writing, after which nothing more is written.
    private let failure = Mutex<LogonymIOError?>(nil)
    private let linesWritten = Atomic<Int>(0)
    private var current = Batch()
    private var nextLane = 0
    /// Added to the offsets of the span being framed, which are the pump buffer's.
    private var shift = 0
    private var spanStart = 0
    private var spanFilled = 0

    init(processors: [LineProcessor], batchBytes: Int) {
        precondition(processors.count > 1, "one processor needs no lanes")
        self.processors = processors
        self.batchBytes = batchBytes
        lanes = processors.indices.map { DispatchQueue(label: "logonym.lines.\($0)") }
        slots = DispatchSemaphore(value: 2 * processors.count)
    }

    /// Lines whose output was given to the pump.
    var linesDone: Int { linesWritten.load(ordering: .relaxed) }

    /// The pump frames the buffer from `start` on, up to `filled`: the events that follow are that span's.
    @inline(__always)
    func begin(at start: Int, filled: Int) {
        spanStart = start
        spanFilled = filled
        shift = current.input.count - start
    }

    /// One event of the span, in the pump buffer's offsets. A batch that holds ``maxEvents`` lines is handed out
    /// at the next line's end, inside the span (short lines: a chunk of empty lines is a million events).
    @inline(__always)
    func note(
        _ event: LineFramer.Event,
        _ all: UnsafeBufferPointer<UInt8>,
        pump: LinePump,
        sink: any OutputSink
    ) throws(LogonymIOError) {
        let lineEnd: Int
        switch event {
        case .line(let start, let end):
            current.events.append(.line(start + shift, end + shift))
            lineEnd = end
        case .piece(let start, let end, let begins, let ends):
            current.events.append(.piece(start + shift, end + shift, begins: begins, ends: ends))
            guard ends else { return }
            lineEnd = end
        case .dropped:
            current.events.append(.dropped)
            return
        }
        guard current.events.count >= Self.maxEvents else { return }
        // Through the line's newline (a last line without one ends the span).
        let through = min(lineEnd + 1, spanFilled)
        current.input.append(contentsOf: UnsafeBufferPointer(rebasing: all[spanStart..<through]))
        spanStart = through
        try submit(inPieces: false, pump: pump, sink: sink)
        shift = current.input.count - spanStart
    }

    /// The most lines a batch holds (about 1 MiB of events).
    static let maxEvents = 32768

    /// The span framed ends at `end` (the bytes its events cover, newlines included): they are copied into the
    /// batch, which goes to its lane once it is full. `inPieces`: an overlong line goes on after the span, so its
    /// next pieces must go to the same lane. `chunkEnds`: the pump goes on reading after the span (it is not the
    /// input's last).
    func end(
        _ all: UnsafeBufferPointer<UInt8>,
        through end: Int,
        inPieces: Bool,
        chunkEnds: Bool,
        pump: LinePump,
        sink: any OutputSink
    ) throws(LogonymIOError) {
        if end > spanStart {
            current.input.append(contentsOf: UnsafeBufferPointer(rebasing: all[spanStart..<end]))
        }
        if chunkEnds { current.chunkEnds.append(current.events.count) }
        // A batch waits for the end of an overlong line in progress (up to a point), so that the next batch is free
        // to go to the next lane.
        if current.input.count >= (inPieces ? 4 * batchBytes : batchBytes) {
            try submit(inPieces: inPieces, pump: pump, sink: sink)
        }
    }

    /// Hands the current batch to its lane, and its output, once made, to the writer.
    private func submit(inPieces: Bool, pump: LinePump, sink: any OutputSink) throws(LogonymIOError) {
        if let error = failure.withLock({ $0 }) { throw error }
        slots.wait()
        let batch = current
        let lane = nextLane
        if !inPieces { nextLane = (lane + 1) % processors.count }
        lanes[lane].async { [self] in
            let processor = processors[lane]
            batch.output.removeAll(keepingCapacity: true)
            batch.outputAtChunkEnds.removeAll(keepingCapacity: true)
            var lines = 0
            var chunk = 0
            batch.input.withUnsafeBufferPointer { b in
                for (k, event) in batch.events.enumerated() {
                    while chunk < batch.chunkEnds.count && batch.chunkEnds[chunk] == k {
                        batch.outputAtChunkEnds.append(batch.output.count)
                        chunk += 1
                    }
                    if processor.run(event, b, into: &batch.output) != nil { lines += 1 }
                }
            }
            while chunk < batch.chunkEnds.count {
                batch.outputAtChunkEnds.append(batch.output.count)
                chunk += 1
            }
            batch.lines = lines
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
        current.input.removeAll(keepingCapacity: true)
        current.events.removeAll(keepingCapacity: true)
        current.chunkEnds.removeAll(keepingCapacity: true)
    }

    /// Hands out the last batch, waits until every output is written, and adds the lanes' counters to the first
    /// processor's.
    func finish(pump: LinePump, sink: any OutputSink) throws(LogonymIOError) {
        if !current.events.isEmpty || !current.chunkEnds.isEmpty {
            try submit(inPieces: false, pump: pump, sink: sink)
        }
        writer.sync {}
        if let error = failure.withLock({ $0 }) { throw error }
        for replica in processors.dropFirst() { processors[0].absorb(replica) }
    }
}
