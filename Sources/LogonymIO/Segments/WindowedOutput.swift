import Foundation
import LogonymCore

/// `anonymize --window`: the batch run's output as window segments of one source in an output directory, with
/// their lengths committed to a state database, exactly as the daemon writes them (so retention, `forget` and
/// the audit log treat both alike). Every segment is closed at the end of the run: lines added by a later run
/// for the same window go to a new part.
///
/// Each commit also records, through the run's ``BatchLedger``, how far every input's lines are in the segments
/// committed, in the same transaction: a rerun skips or resumes from exactly there.
public final class WindowedOutput: OutputSink {
    let segments: SegmentSet
    let store: StateStore
    private let state = RoutingState()
    let source: String
    let window: WindowLength
    /// The processor of the input being read, and the counters of earlier inputs' processors not yet committed.
    private var processor: LineProcessor?
    private var earlier = StateStore.Commit()
    private var linesSinceCheck = 0
    private var bytesSinceCheck = 0
    /// The run's inputs, recorded with every commit.
    let ledger: BatchLedger?
    /// What encrypts closed segments (`[output] encrypt`).
    let maintenance: Maintenance?
    /// A commit is made once this many bytes are pending (checked every `checkLines` lines).
    private let commitBytes: Int
    private let checkLines: Int
    /// Segment lengths now, and before the run.
    private var lengths: [String: Int64] = [:]
    private let lengthsBefore: Int64
    public var bytesWritten: Int { Int(lengths.values.reduce(0, +) - lengthsBefore) }

    /// Opens the source's segments, cut back to what the state database committed.
    ///
    /// In debug builds, `LOGONYM_COMMIT_BYTES` in the environment lowers the pending bytes that make a commit
    /// (8 MiB of lines into plain segments, 32 MiB into gzip segments), for tests that kill a run between many
    /// commits.
    ///
    /// With `maintenance` and `[output] encrypt = "window"` (`--encrypt window`), every segment is encrypted once
    /// closed (at the end of the run); closed segments an interrupted run left plain are encrypted here first.
    public init(
        source: String,
        settings: EngineSettings,
        store: StateStore,
        ledger: BatchLedger? = nil,
        maintenance: Maintenance? = nil
    ) throws {
        self.maintenance = maintenance
        self.store = store
        self.source = source
        self.window = settings.window
        self.ledger = ledger
        #if DEBUG
        let configured = ProcessInfo.processInfo.environment["LOGONYM_COMMIT_BYTES"].flatMap { Int($0) }
        #else
        let configured: Int? = nil
        #endif
        commitBytes = configured ?? SegmentSet.commitBytes(compress: settings.compress)
        checkLines = commitBytes >= 1 << 20 ? 4096 : 16
        try FileManager.default.createDirectory(atPath: settings.outputDirectory, withIntermediateDirectories: true)
        segments = SegmentSet(input: source, engine: settings)
        let committed = try store.segments(input: source)
        try segments.recover(committed: committed)
        for record in committed { lengths[record.path] = record.length }
        lengthsBefore = lengths.values.reduce(0, +)
        try maintenance?.sealClosedSegments(inputs: [source])
    }

    /// Moves the line just processed (all of `out`) into its window's segment.
    ///
    /// - Returns: whether a commit is due (every few MiB): the caller then calls ``commit(through:readTo:lastBytes:)``
    ///   with where this line ends in its input.
    func take(_ processor: LineProcessor, _ out: inout [UInt8]) -> Bool {
        if processor !== self.processor {
            self.processor?.takeStats(input: source, into: &earlier, window: window)
            self.processor = processor
        }
        bytesSinceCheck &+= out.count
        LineRouter(processor: processor, segments: segments, state: state).route(&out)
        linesSinceCheck &+= 1
        // Every few thousand lines, or every MiB of long ones.
        guard linesSinceCheck >= checkLines || bytesSinceCheck >= 1 << 20 else { return false }
        linesSinceCheck = 0
        bytesSinceCheck = 0
        return segments.pendingBytes > commitBytes
    }

    /// Commits every line taken so far; the last one ended `offset` decoded bytes into what was read of the
    /// current input (`readTo`), after `lastBytes`.
    func commit(through offset: Int, readTo: Int, lastBytes: [UInt8]) throws(LogonymIOError) {
        ledger?.reached(offset, readTo: readTo, lastBytes: lastBytes, window: processor?.lastWindowStart)
        try commit()
    }

    /// Writes and fsyncs the pending lines, then records them, the counters and the inputs' offsets in one
    /// transaction. (Only after every line read so far was taken: the offsets say so.)
    private func commit(last: Bool = false) throws(LogonymIOError) {
        let records = try segments.flush()
        var commit = earlier
        earlier = StateStore.Commit()
        processor?.takeStats(input: source, into: &commit, window: window)
        commit.batchFiles = ledger?.unrecorded ?? []
        guard !records.isEmpty || !commit.stats.isEmpty || !commit.batchFiles.isEmpty else { return }
        commit.segments = records
        // A kill here leaves segment bytes that the next run cuts back to the lengths committed before.
        CrashPoint.reach(last ? "batch-last-synced" : "batch-segments-synced")
        do {
            try store.commit(commit)
        } catch {
            throw LogonymIOError(code: .writeFailed, path: store.path, message: "cannot record segments: \(error)")
        }
        ledger?.recorded()
        for record in records { lengths[record.path] = record.length }
        // A batch keeps every window open to its end: their descriptors are closed between commits (the next
        // flush reopens what it writes to), so that a log of thousands of windows stays under the file limit.
        segments.closeFiles()
    }

    public func write(_ block: [UInt8]) throws(LogonymIOError) {
        // Lines arrive through `take`; a block is only what could not be routed (nothing, in practice).
        precondition(block.isEmpty, "windowed output takes lines one by one")
    }

    /// Closes every segment and commits (every input given to the ledger must have been finished).
    public func finish() throws(LogonymIOError) {
        segments.closeWindows(before: .max, grace: 0)
        try commit(last: true)
        segments.closeFiles()
        do {
            try maintenance?.sealClosedSegments(inputs: [source])
        } catch let error as LogonymIOError {
            throw error
        } catch {
            throw LogonymIOError(code: .writeFailed, path: store.path, message: "cannot encrypt segments: \(error)")
        }
    }

    /// Leaves uncommitted bytes for the next run's recovery to cut.
    public func abandon() {
        segments.closeFiles()
    }
}

@available(*, unavailable)
extension WindowedOutput: Sendable {}
