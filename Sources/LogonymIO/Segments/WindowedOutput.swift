import Foundation
import LogonymCore

/// `anonymize --window`: the batch run's output as window segments of one source in an output directory, with
/// their lengths committed to a state database, exactly as the daemon writes them (so retention, `forget` and
/// the audit log treat both alike). Every segment is closed at the end of the run: lines added by a later run
/// for the same window go to a new part.
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
    /// Segment lengths now, and before the run.
    private var lengths: [String: Int64] = [:]
    private let lengthsBefore: Int64
    public var bytesWritten: Int { Int(lengths.values.reduce(0, +) - lengthsBefore) }

    /// Opens the source's segments, cut back to what the state database committed.
    public init(source: String, settings: EngineSettings, store: StateStore) throws {
        self.store = store
        self.source = source
        self.window = settings.window
        try FileManager.default.createDirectory(atPath: settings.outputDirectory, withIntermediateDirectories: true)
        segments = SegmentSet(input: source, engine: settings)
        let committed = try store.segments(input: source)
        try segments.recover(committed: committed)
        for record in committed { lengths[record.path] = record.length }
        lengthsBefore = lengths.values.reduce(0, +)
    }

    /// Moves the line just processed (all of `out`) into its window's segment; commits every few MiB.
    func take(_ processor: LineProcessor, _ out: inout [UInt8]) throws(LogonymIOError) {
        if processor !== self.processor {
            self.processor?.takeStats(input: source, into: &earlier, window: window)
            self.processor = processor
        }
        LineRouter(processor: processor, segments: segments, state: state).route(&out)
        linesSinceCheck &+= 1
        if linesSinceCheck >= 4096 {
            linesSinceCheck = 0
            if segments.pendingBytes > 8 << 20 { try commit() }
        }
    }

    /// Writes, fsyncs and records the pending lines.
    func commit() throws(LogonymIOError) {
        let records = try segments.flush()
        var commit = earlier
        earlier = StateStore.Commit()
        processor?.takeStats(input: source, into: &commit, window: window)
        guard !records.isEmpty || !commit.stats.isEmpty else { return }
        commit.segments = records
        do {
            try store.commit(commit)
        } catch {
            throw LogonymIOError(code: .writeFailed, path: store.path, message: "cannot record segments: \(error)")
        }
        for record in records { lengths[record.path] = record.length }
    }

    public func write(_ block: [UInt8]) throws(LogonymIOError) {
        // Lines arrive through `take`; a block is only what could not be routed (nothing, in practice).
        precondition(block.isEmpty, "windowed output takes lines one by one")
    }

    /// Closes every segment and commits.
    public func finish() throws(LogonymIOError) {
        segments.closeWindows(before: .max, grace: 0)
        try commit()
        segments.closeFiles()
    }

    /// Leaves uncommitted bytes for the next run's recovery to cut.
    public func abandon() {
        segments.closeFiles()
    }
}

@available(*, unavailable)
extension WindowedOutput: Sendable {}
