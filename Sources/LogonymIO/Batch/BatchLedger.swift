/// The input files of a windowed batch run (`anonymize --window`), against what earlier runs with the same state
/// database and source committed: a file read to its end is skipped, an interrupted one is read on from its
/// committed offset, one that grew since is continued, and a file given twice (by the same path or another) is
/// read once.
///
/// Records are committed by ``WindowedOutput`` in the transaction of the segments that hold the lines they count:
/// a record's offset is always the end of the last line whose output is in committed segments, so a rerun after a
/// kill at any moment writes each line exactly once.
public final class BatchLedger {
    /// What a run does with one input.
    public enum Disposition: String, Sendable {
        /// Read from its start: not seen before, or `--force`.
        case read
        /// An earlier run stopped inside it: read on from its committed offset.
        case resumed
        /// An earlier run read it to its end and it has grown since: read on from that end.
        case continued
        /// An earlier run read it to its end and it has not changed: not read.
        case skipped
        /// The same content as an input read earlier in this run: not read again.
        case duplicate
    }

    /// How one input is read.
    public struct Plan {
        public var disposition: Disposition
        /// The decoded byte offset reading starts at: what earlier reads committed (0 for a new file).
        public var startOffset: Int64
        /// The input, positioned at ``startOffset``; `nil` when it is not read (skipped, duplicate).
        public var source: (any ByteSource)?
        /// The path that was read with this content (skipped, duplicate).
        public var readAs: String?
        /// The window of the line before ``startOffset``: a line without a time of its own right after it goes
        /// there, as it would have in one uninterrupted run.
        public var lastWindow: Int64?
        /// The file's first decoded bytes, for format detection, when reading starts later in it.
        public var headSample: [UInt8]?
        /// How many bytes the first read takes (see ``LinePump/pump(_:to:wantsSample:firstFill:makeProcessor:progress:)``).
        public var firstFill: Int?
    }

    /// The file being read.
    struct Current {
        var id: Int64
        var path: String
        /// Its first decoded bytes (up to ``BatchFileIdentity/headLength``).
        var head: [UInt8]
        /// Where reading started, and the (up to ``BatchFileIdentity/tailLength``) decoded bytes before it.
        var base: Int64
        var before: [UInt8]
        var lastWindow: Int64?
        var file: FileByteSource
        /// Whether it is compressed: then its bytes on disk are never hashed (masking cannot clean them).
        var isGzip: Bool
    }

    let source: String
    let identity: BatchFileIdentity
    /// `--force`: what earlier runs recorded is not looked at (records are still written).
    let force: Bool
    private(set) var records: [Int64: StateStore.BatchFileRecord] = [:]
    /// Records made or moved on by this run.
    private var readThisRun: Set<Int64> = []
    /// Records changed since the last commit.
    private var unrecordedIDs: Set<Int64> = []
    private var nextID: Int64
    private var current: Current?

    /// Loads what earlier runs of `source` committed.
    public init(store: StateStore, source: String, force: Bool) throws {
        self.source = source
        self.force = force
        identity = BatchFileIdentity(key: store.fingerprintKey)
        for record in try store.batchFiles(source: source) { records[record.id] = record }
        nextID = (records.keys.max() ?? 0) + 1
    }

    /// Opens an input and decides how much of it to read.
    ///
    /// - Throws: ``LogonymIOError`` when it cannot be opened (as ``InputOpener/open(_:)``).
    public func open(_ path: String) throws(LogonymIOError) -> Plan {
        current = nil
        let source = try InputOpener.open(path, readAhead: true)
        // Only a regular file with content can be recognised again (standard input, a pipe or an empty file is
        // read as it is, without a record).
        guard let file = Self.file(of: source), let size = file.size, let head = identity.head(of: path),
            !head.isEmpty
        else {
            return Plan(disposition: .read, startOffset: 0, source: source)
        }
        let candidates = matching(head)
        // Read to its end before and unchanged on disk: nothing to read.
        for record in candidates where record.finished && record.rawSize == Int64(size) {
            if identity.rawTail(of: file, size: Int64(size), scheme: record.scheme) == record.rawTail {
                return skip(record)
            }
        }
        // Otherwise the furthest committed offset whose preceding bytes this file holds.
        let found = try position(source, file: file, path: path, candidates: candidates)
        let record = found.record
        let id = record?.id ?? allocateID()
        current = Current(
            id: id,
            path: path,
            head: head,
            base: record?.offset ?? 0,
            before: found.before,
            lastWindow: record?.lastWindow,
            file: found.file,
            isGzip: found.source.isGzip
        )
        guard let record, record.offset > 0 else {
            return Plan(disposition: .read, startOffset: 0, source: found.source)
        }
        if record.finished && found.atEnd {
            // The same content in another form (recompressed, or a plain copy of an archive).
            current = nil
            return skip(record)
        }
        return Plan(
            disposition: record.finished ? .continued : .resumed,
            startOffset: record.offset,
            source: found.source,
            lastWindow: record.lastWindow,
            headSample: Fingerprints.head(of: path, count: 1 << 20)?.bytes,
            firstFill: record.finished ? nil : Int(record.readTo - record.offset)
        )
    }

    private func skip(_ record: StateStore.BatchFileRecord) -> Plan {
        Plan(
            disposition: readThisRun.contains(record.id) ? .duplicate : .skipped,
            startOffset: record.offset,
            source: nil,
            readAs: record.path
        )
    }

    private func allocateID() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }

    /// Records whose head is this file's head (or, for a file that was shorter then, its first bytes).
    private func matching(_ head: [UInt8]) -> [StateStore.BatchFileRecord] {
        var hashes: [[Int]: [UInt8]] = [:]
        return records.values.filter { record in
            guard !force || readThisRun.contains(record.id), record.headLength > 0, record.headLength <= head.count
            else { return false }
            let kind = [record.scheme, record.headLength]
            if hashes[kind] == nil {
                hashes[kind] = identity.headHash(head, length: record.headLength, scheme: record.scheme)
            }
            return hashes[kind] == record.head
        }
    }

    /// Lines of the file being read, up to `offset` decoded bytes after where reading started, are in the segments
    /// being committed; `lastBytes` are the (up to ``BatchFileIdentity/tailLength``) bytes before that point.
    func reached(_ offset: Int, readTo: Int, lastBytes: [UInt8], window: Int64?) {
        guard let current else { return }
        update(current, offset: offset, readTo: readTo, lastBytes: lastBytes, window: window, finished: false)
    }

    /// The file being read ended (at its end, or at a read error) after `bytesRead` decoded bytes; the lines
    /// before were all handed to the output.
    ///
    /// - Parameters:
    ///   - lastBytes: the (up to ``BatchFileIdentity/tailLength``) last bytes read.
    ///   - window: the window of the last line.
    ///   - failed: whether a read error ended it (it is then read on from here next time).
    public func finish(bytesRead: Int, lastBytes: [UInt8], window: Int64?, failed: Bool) {
        guard let current else { return }
        update(current, offset: bytesRead, readTo: bytesRead, lastBytes: lastBytes, window: window, finished: !failed)
        readThisRun.insert(current.id)
        self.current = nil
    }

    private func update(
        _ current: Current,
        offset: Int,
        readTo: Int,
        lastBytes: [UInt8],
        window: Int64?,
        finished: Bool
    ) {
        let end = current.base + Int64(offset)
        var head = current.head
        if head.count < BatchFileIdentity.headLength && end > Int64(head.count),
            let longer = identity.head(of: current.path), longer.starts(with: head)
        {
            head = longer  // a short file grew while it was read
        }
        let fingerprint = identity.headHash(head)
        var record = StateStore.BatchFileRecord(
            source: source,
            id: current.id,
            head: fingerprint.hash,
            headLength: fingerprint.length,
            offset: end,
            tail: identity.tailHash(
                lastBytes.count >= BatchFileIdentity.tailLength ? lastBytes : current.before + lastBytes
            ),
            readTo: current.base + Int64(readTo),
            lastWindow: window ?? current.lastWindow,
            finished: false,
            rawSize: 0,
            rawTail: [],
            path: current.path
        )
        if finished {
            record.finished = true
            // A plain file read to its end is told unchanged by its size and the hash of its last (masked) bytes,
            // without reading it again. A compressed one is not: its bytes on disk, and their number, are a
            // function of its content that no mask can clean (a search over candidate lines would find the one
            // that compresses to them); a rerun inflates it to its end to see that nothing follows.
            if !current.isGzip, let tail = identity.rawTail(of: current.file, size: Int64(current.file.position)) {
                record.rawSize = Int64(current.file.position)
                record.rawTail = tail
            }
        }
        records[current.id] = record
        unrecordedIDs.insert(current.id)
    }

    /// The records changed since the last commit, for the next one.
    var unrecorded: [StateStore.BatchFileRecord] {
        unrecordedIDs.sorted().compactMap { records[$0] }
    }

    /// The records given by ``unrecorded`` were committed.
    func recorded() {
        unrecordedIDs.removeAll()
    }
}

@available(*, unavailable)
extension BatchLedger: Sendable {}

@available(*, unavailable)
extension BatchLedger.Plan: Sendable {}
