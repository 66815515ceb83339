import Glibc
public import LogonymCore

/// Reads a source in chunks, cuts it into lines and runs each through a ``LineProcessor``, in bounded memory.
///
/// Lines are cut by ``LineFramer``: a line longer than `maxLineBytes` never sits whole in memory, it goes to the
/// processor in pieces, cut where no address-looking token can be split. A last line without a newline is processed
/// too (and given one), so inputs never run into each other.
public final class LinePump {
    /// Lines longer than this (without the newline) take the long-line path.
    public let maxLineBytes: Int
    /// The read size.
    public let chunkSize: Int
    /// Output is handed to the sink once it holds this many bytes.
    public let flushBytes: Int
    /// One allocation: the read buffer, then ``history``.
    private let storage: UnsafeMutableRawBufferPointer
    private let buffer: UnsafeMutableRawBufferPointer
    /// With windowed output: up to ``BatchFileIdentity/tailLength`` bytes read before the buffer's first byte, so
    /// that the bytes before any line's end can be given to a commit (and `historyCount` of them are valid).
    private let history: UnsafeMutableRawBufferPointer
    private var historyCount = 0
    /// The output buffer, kept across inputs.
    /// (Unchecked: one pump is driven by one thread, and no access to it overlaps another.)
    @exclusivity(unchecked) public var pending: [UInt8] = []

    public init(maxLineBytes: Int = 64 * 1024, chunkSize: Int = 1 << 20, flushBytes: Int = 1 << 20) {
        precondition(maxLineBytes >= 16 && chunkSize >= 1, "unusable line or chunk size")
        self.maxLineBytes = maxLineBytes
        self.chunkSize = chunkSize
        self.flushBytes = flushBytes
        let bufferSize = chunkSize + maxLineBytes + 1
        storage = .allocate(byteCount: bufferSize + BatchFileIdentity.tailLength, alignment: 64)
        buffer = UnsafeMutableRawBufferPointer(rebasing: storage[0..<bufferSize])
        history = UnsafeMutableRawBufferPointer(rebasing: storage[bufferSize...])
        pending.reserveCapacity(flushBytes + maxLineBytes * 2)
    }

    deinit {
        storage.deallocate()
    }

    /// What one input gave.
    public struct Outcome: Sendable {
        /// The decoded bytes read.
        public var bytesIn = 0
        /// The error that ended the input early, if any; lines before it were processed.
        public var error: LogonymIOError?
        /// With windowed output: the last bytes read (up to 256), which end the last line processed.
        public var lastBytes: [UInt8] = []
        /// Where the last whole line ended, when damage ended the input inside the line after it (dropped); the
        /// input counts as read up to here.
        public var linesEnd: Int?
    }

    /// Pumps one source to its end (or its first read error).
    ///
    /// - Parameters:
    ///   - source: the input.
    ///   - sink: where full blocks go.
    ///   - wantsSample: whether `makeProcessor` looks at the first bytes (format detection): then up to 64 KiB or
    ///     100 lines are read before it is called.
    ///   - firstFill: with windowed output, how many bytes the first read fills (an input resumed where an earlier
    ///     run committed, which had read that far then): the reads after it end where that run's did.
    ///   - threads: with more than one, and a file (not a pipe) of at least two chunks (a quarter of one gzipped)
    ///     written to one output, lines are processed on this many threads (``ParallelLanes``), with the output
    ///     bytes and counters of one thread.
    ///   - makeProcessor: called once with the first bytes read.
    ///   - replicate: a processor like the one made, for another thread; `nil` when its lines cannot be processed
    ///     apart from the lines before them (then one thread processes them).
    ///   - progress: called after every chunk with the decoded bytes read, and how to count the lines processed so
    ///     far.
    /// - Returns: the processor made (for the counters of every thread) and the outcome.
    /// - Throws: only when the sink fails.
    public func pump(
        _ source: any ByteSource,
        to sink: any OutputSink,
        wantsSample: Bool = true,
        firstFill: Int? = nil,
        threads: Int = 1,
        makeProcessor: (UnsafeBufferPointer<UInt8>) -> LineProcessor,
        replicate: (LineProcessor) -> LineProcessor? = { _ in nil },
        progress: (_ bytes: Int, _ lines: () -> Int) -> Void = { _, _ in }
    ) throws(LogonymIOError) -> (LineProcessor?, Outcome) {
        // The buffer read into: the pump's own, or with lanes one of theirs for each chunk.
        var current = buffer
        var base = current.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var all = UnsafeBufferPointer(start: base, count: current.count)
        var outcome = Outcome()
        var processor: LineProcessor?
        // Windowed output takes every line as it is made, into the segment of its window.
        let windowed = sink as? WindowedOutput
        var filled = 0
        var lineStart = 0
        var framer = LineFramer(maxLineBytes: maxLineBytes, overlong: .pieces)
        var atEnd = false
        historyCount = 0
        // Windowed output reads a file in full buffers, so that where each read ends (which decides where an
        // overlong line is cut into pieces) depends only on where the pump started, not on the sizes the source
        // hands out: an input resumed with `firstFill` is cut exactly as in one uninterrupted run.
        let fillsBuffer = windowed != nil && source.size != nil
        var fillLimit = firstFill.flatMap { $0 > 0 ? $0 : nil }
        var deferredError: LogonymIOError?
        var lanes: ParallelLanes?
        while !atEnd {
            var n = 0
            if let error = deferredError {
                outcome.error = error
                deferredError = nil
            } else {
                // At most a chunk plus the longest carried line is in the buffer, whatever the read sizes.
                let end = fillLimit.map { min(filled + $0, buffer.count) } ?? buffer.count
                fillLimit = nil
                do {
                    repeat {
                        let got = try source.read(
                            into: UnsafeMutableRawBufferPointer(rebasing: current[(filled + n)..<end])
                        )
                        if got == 0 { break }
                        n += got
                    } while fillsBuffer && filled + n < end
                } catch {
                    // Bytes read before the error are processed first; the error ends the input after them.
                    if n == 0 { outcome.error = error } else { deferredError = error }
                }
            }
            if n == 0 { atEnd = true }
            filled += n
            outcome.bytesIn += n
            if processor == nil {
                if filled == 0 && atEnd { return (nil, outcome) }
                // Detection wants a good sample: read on until 64 KiB (or the chunk) or 100 lines are in, or the
                // input ends. (A slow pipe is waited for, never cut short: nothing is lost, it only starts later.)
                if wantsSample && !atEnd && outcome.error == nil && filled < min(64 * 1024, chunkSize)
                    && Self.countNewlines(base, filled, upTo: 100) < 100
                {
                    continue
                }
                let made = makeProcessor(UnsafeBufferPointer(start: base, count: filled))
                processor = made
                // (A file under two chunks, or a quarter of one compressed, is over before lanes would pay for
                // their set-up.)
                if threads > 1 && windowed == nil, let size = source.size,
                    size >= (source.isGzip ? chunkSize / 4 : 2 * chunkSize)
                {
                    let replicas = (1..<threads).compactMap { _ in replicate(made) }
                    if replicas.count == threads - 1 {
                        // Half-chunk batches: a batch holds no copy of its lines, only its output, and half as
                        // many batches as with quarters are half as many hand-overs between the threads (plain ->
                        // plain on the benchmark log: 1,000 context switches instead of 1,950, 9% less time; hmac
                        // peaks at 53 MiB instead of 50 MiB).
                        lanes = ParallelLanes(
                            processors: [made] + replicas,
                            batchBytes: chunkSize / 2,
                            maxLineBytes: maxLineBytes,
                            buffer: buffer
                        )
                    }
                }
            }
            let lines = processor!
            // Where the buffer starts in the decoded input.
            let bufferOffset = outcome.bytesIn - filled
            // Every complete line in the buffer, and the next piece of an overlong one.
            if let lanes {
                lineStart = try lanes.frame(
                    from: lineStart,
                    filled: filled,
                    framer: &framer,
                    chunkEnds: !atEnd,
                    pump: self,
                    sink: sink
                )
            } else {
                lineStart = try framer.frame(all, from: lineStart, filled: filled) { (event) throws(LogonymIOError) in
                    guard let end = lines.run(event, all, into: &pending) else { return }
                    if let windowed, windowed.take(lines, &pending) {
                        // Every line up to this one's end is in the segments: commit them with that offset.
                        try windowed.commit(
                            through: bufferOffset + end + 1,
                            readTo: outcome.bytesIn,
                            lastBytes: recent(base, upTo: end + 1)
                        )
                    }
                    if pending.count >= flushBytes { try flush(to: sink) }
                }
            }
            if atEnd, outcome.error != nil, filled > lineStart, !framer.inPieces, !framer.discarding {
                // Damage ended the input inside a line: the line is dropped (counted), and the input counts as read
                // up to its start, so that a rerun over the repaired file resumes there and writes it whole.
                try lanes?.finish(pump: self, sink: sink)
                lines.countDroppedLine(.damaged)
                outcome.linesEnd = bufferOffset + lineStart
                if let windowed {
                    outcome.lastBytes = recent(base, upTo: lineStart)
                    try windowed.commit(
                        through: bufferOffset + lineStart,
                        readTo: outcome.bytesIn,
                        lastBytes: outcome.lastBytes
                    )
                }
                break
            }
            if atEnd {
                // A last line without a newline (or the end of one handed out in pieces).
                if let lanes {
                    try lanes.finish(from: lineStart, to: filled, framer: &framer, pump: self, sink: sink)
                    break
                }
                framer.finish(all, from: lineStart, to: filled) { _ = lines.run($0, all, into: &pending) }
                if let windowed {
                    if windowed.take(lines, &pending) {
                        try windowed.commit(
                            through: outcome.bytesIn,
                            readTo: outcome.bytesIn,
                            lastBytes: recent(base, upTo: filled)
                        )
                    }
                    outcome.lastBytes = recent(base, upTo: filled)
                }
                break
            }
            // Keep the unfinished line at the front of the buffer (and, for commits, the bytes before it).
            if windowed != nil && lineStart > 0 { keepHistory(base, upTo: lineStart) }
            let carry = filled - lineStart
            assert(carry <= maxLineBytes, "the carried line must leave room to read")
            if let lanes {
                // The lanes still read the lines before it where they are: the next chunk goes to another buffer.
                current = lanes.nextBuffer(carrying: lineStart..<filled)
                base = current.baseAddress!.assumingMemoryBound(to: UInt8.self)
                all = UnsafeBufferPointer(start: base, count: current.count)
            } else if carry > 0 && lineStart > 0 {
                memmove(base, base + lineStart, carry)
            }
            filled = carry
            lineStart = 0
            // A pipe or terminal is live: what was read goes out now, not when a block is full. (Windowed output
            // takes whole lines only: the pieces of an overlong line wait for its end. Lines processed in lanes go out
            // from the lanes' writer, which alone touches the output buffer until they finish.)
            if windowed == nil && lanes == nil
                && (pending.count >= flushBytes || (source.size == nil && !pending.isEmpty))
            {
                try flush(to: sink)
            }
            progress(outcome.bytesIn) { lanes?.linesDone ?? lines.counters.linesRead }
            if outcome.error != nil { atEnd = true }
        }
        progress(outcome.bytesIn) { processor?.counters.linesRead ?? 0 }
        return (processor, outcome)
    }

    /// Keeps the last bytes before `end` in ``history`` (the bytes before it are about to leave the buffer).
    private func keepHistory(_ base: UnsafeMutablePointer<UInt8>, upTo end: Int) {
        let capacity = history.count
        let added = min(end, capacity)
        let kept = min(historyCount, capacity - added)
        let h = history.baseAddress!
        if kept > 0 { memmove(h, h + historyCount - kept, kept) }
        memcpy(h + kept, base + end - added, added)
        historyCount = kept + added
    }

    /// The (up to ``BatchFileIdentity/tailLength``) bytes read before buffer position `end`.
    private func recent(_ base: UnsafeMutablePointer<UInt8>, upTo end: Int) -> [UInt8] {
        let fromBuffer = min(end, history.count)
        let fromHistory = min(historyCount, history.count - fromBuffer)
        var bytes = [UInt8](repeating: 0, count: fromHistory + fromBuffer)
        bytes.withUnsafeMutableBytes { out in
            let o = out.baseAddress!
            memcpy(o, history.baseAddress! + historyCount - fromHistory, fromHistory)
            memcpy(o + fromHistory, base + end - fromBuffer, fromBuffer)
        }
        return bytes
    }

    /// The number of newlines in the first `count` bytes, counting no further than `limit`.
    static func countNewlines(_ base: UnsafeMutablePointer<UInt8>, _ count: Int, upTo limit: Int) -> Int {
        var found = 0
        var p = 0
        while found < limit, p < count, let hit = memchr(base + p, 0x0A, count - p) {
            found += 1
            p = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return found
    }

    /// Takes the output of lines processed on another thread (``ParallelLanes``) as if they had been processed here
    /// one by one, so that the blocks (the members of a gzip output) are those of one thread: the sink gets the
    /// buffer at the first line end that fills it to ``flushBytes``, or at the end of a chunk read (`chunkEnds`, as
    /// offsets in `output`) if it is full then. (A sink whose blocks do not matter takes the output as it is.)
    func take(_ output: [UInt8], chunkEnds: [Int], to sink: any OutputSink) throws(LogonymIOError) {
        if pending.isEmpty && !output.isEmpty {  // (else bytes of an earlier input go first)
            let written: Result<Bool, LogonymIOError> = output.withUnsafeBytes { raw in
                Result { () throws(LogonymIOError) in try sink.writeUnblocked(raw) }
            }
            if try written.get() { return }
        }
        var from = 0
        var chunk = 0
        while true {
            // Where one thread would hand the buffer over next: a line end or a chunk's end, whichever comes first.
            let probe = from + max(flushBytes - pending.count, 1) - 1
            var cut: Int? = output.withUnsafeBufferPointer { o in
                guard probe < o.count, let hit = memchr(o.baseAddress! + probe, 0x0A, o.count - probe) else {
                    return nil
                }
                return o.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            while chunk < chunkEnds.count && pending.count + chunkEnds[chunk] - from < flushBytes { chunk += 1 }
            if chunk < chunkEnds.count && chunkEnds[chunk] < (cut ?? .max) { cut = chunkEnds[chunk] }
            guard let cut else { break }
            pending.append(contentsOf: output[from..<cut])
            try flush(to: sink)
            from = cut
        }
        if from < output.count { pending.append(contentsOf: output[from...]) }
    }

    /// Hands the output buffer to the sink.
    public func flush(to sink: any OutputSink) throws(LogonymIOError) {
        guard !pending.isEmpty else { return }
        try sink.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension LinePump: Sendable {}
