extension BatchLedger {
    /// An input positioned for reading: after the bytes of the record it continues, or at its start.
    struct Found {
        /// The record it continues (`nil`: a new file).
        var record: StateStore.BatchFileRecord?
        var source: any ByteSource
        var file: FileByteSource
        /// The decoded bytes before the position (up to ``BatchFileIdentity/tailLength``).
        var before: [UInt8]
        /// Whether nothing follows the position.
        var atEnd = false
    }

    /// Positions `source` after the furthest committed offset among `candidates` whose preceding bytes (by their
    /// hash) this file holds, or at its start when none does. A plain file is checked and positioned in place; a
    /// gzip file is inflated from its start, and what comes before the offset is dropped.
    func position(
        _ source: any ByteSource,
        file: FileByteSource,
        path: String,
        candidates: [StateStore.BatchFileRecord]
    ) throws(LogonymIOError) -> Found {
        let started = candidates.filter { $0.offset > 0 }.sorted { $0.offset > $1.offset }
        // A record nothing was committed for yet is continued from the start (its id is kept).
        let unstarted = candidates.first { $0.offset == 0 }
        guard !started.isEmpty else { return Found(record: unstarted, source: source, file: file, before: []) }
        if !source.isGzip, let plain = source as? PrefixedByteSource {
            for record in started {
                let from = max(0, record.offset - Int64(BatchFileIdentity.tailLength))
                guard let before = BatchFileIdentity.plainBytes(of: file, from: from, to: record.offset),
                    identity.tailHash(before, scheme: record.scheme) == record.tail
                else { continue }
                try file.seek(to: record.offset)
                plain.discardPrefix()
                return Self.peek(Found(record: record, source: plain, file: file, before: before))
            }
            return Found(record: unstarted, source: source, file: file, before: [])
        }
        let skipped = Self.skip(source, to: Set(started.map(\.offset)).sorted())
        let best = started.first { record in
            skipped.before[record.offset].map { identity.tailHash($0, scheme: record.scheme) } == record.tail
        }
        guard let best, let before = skipped.before[best.offset] else {
            let fresh = try Self.reopen(path)
            return Found(record: unstarted, source: fresh.source, file: fresh.file, before: [])
        }
        if best.offset == skipped.reached && !skipped.failed {
            return Self.peek(Found(record: best, source: source, file: file, before: before))
        }
        // A record further on did not match: inflate again, up to this one.
        let fresh = try Self.reopen(path)
        let again = Self.skip(fresh.source, to: [best.offset])
        guard again.reached == best.offset, !again.failed else {
            let start = try Self.reopen(path)  // changed under our feet: read it as a new file
            return Found(record: nil, source: start.source, file: start.file, before: [])
        }
        return Self.peek(Found(record: best, source: fresh.source, file: fresh.file, before: before))
    }

    /// Reads and drops decoded bytes up to each offset of `targets` (ascending), keeping the bytes before each.
    /// Stops at the end of the input or at a read error (`failed`).
    static func skip(
        _ source: any ByteSource,
        to targets: [Int64]
    ) -> (reached: Int64, before: [Int64: [UInt8]], failed: Bool) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        let keep = BatchFileIdentity.tailLength
        var position: Int64 = 0
        var recent: [UInt8] = []
        var before: [Int64: [UInt8]] = [:]
        for target in targets {
            while position < target {
                let want = Int(min(Int64(buffer.count), target - position))
                let n: Int
                do {
                    n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                } catch {
                    return (position, before, true)
                }
                if n == 0 { return (position, before, false) }
                recent = n >= keep ? Array(buffer[(n - keep)..<n]) : Array((recent + buffer[0..<n]).suffix(keep))
                position += Int64(n)
            }
            before[target] = recent
        }
        return (position, before, false)
    }

    /// Looks ahead at a positioned input, to tell whether anything follows; what was read (or the read error) is
    /// handed out first.
    static func peek(_ found: Found) -> Found {
        var found = found
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        do throws(LogonymIOError) {
            let n = try found.source.read(into: buffer)
            found.atEnd = n == 0
            found.source = PeekedByteSource(prefix: Array(buffer[0..<n]), error: nil, source: found.source)
        } catch {
            found.source = PeekedByteSource(prefix: [], error: error, source: found.source)
        }
        return found
    }

    static func reopen(_ path: String) throws(LogonymIOError) -> (source: any ByteSource, file: FileByteSource) {
        let source = try InputOpener.open(path, readAhead: true)
        guard let file = file(of: source) else {
            throw LogonymIOError(code: .openFailed, path: path, message: "is no longer a regular file")
        }
        return (source, file)
    }

    /// The file under an input (`nil` for none).
    static func file(of source: any ByteSource) -> FileByteSource? {
        switch source {
        case let plain as PrefixedByteSource: plain.source
        case let gzip as GzipByteSource: gzip.source
        case let peeked as PeekedByteSource: file(of: peeked.source)
        case let file as FileByteSource: file
        default: nil
        }
    }
}

/// An input positioned by ``BatchLedger``, with the bytes (or the read error) a look ahead found handed out
/// first.
final class PeekedByteSource: ByteSource {
    private var prefix: ReadAhead
    private var error: LogonymIOError?
    let source: any ByteSource

    init(prefix: [UInt8], error: LogonymIOError?, source: any ByteSource) {
        self.prefix = ReadAhead(prefix)
        self.error = error
        self.source = source
    }

    var position: Int { source.position }
    var size: Int? { source.size }
    var isGzip: Bool { source.isGzip }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        if let n = prefix.take(into: buffer) { return n }
        if let error {
            self.error = nil
            throw error
        }
        return try source.read(into: buffer)
    }
}

@available(*, unavailable)
extension PeekedByteSource: Sendable {}
