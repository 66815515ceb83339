import Glibc
import LogonymCore

/// One input file being followed: plain (read on as it grows) or gzip (a rotated file compressed before it was
/// read to its end, read once). Only complete lines leave it; a partial last line is held until its newline
/// arrives, and `offset` always stands just after the last complete line handed out.
final class TailedFile {
    var record: StateStore.FileRecord
    let source: any ByteSource
    let isGzip: Bool
    /// Decoded bytes taken from `source` so far (`offset` plus the held partial line).
    private(set) var readPosition: Int64
    /// Set when a read found the file's first bytes changed (copytruncate); cleared by the truncation handling.
    var truncationSeen = false
    /// The partial line after `offset`.
    private(set) var partial: [UInt8] = []
    /// Whether a line without its newline is held (a rotated file's comes out when the file is let go).
    var holdsPartialLine: Bool { !partial.isEmpty }
    /// Lines out of the bytes read (the held partial line, a line being skipped).
    private var framer: LineFramer
    /// The last bytes before `offset`, for the tail hash.
    private(set) var tailBytes: [UInt8] = []
    /// While a line too long to hold is skipped: the last bytes skipped so far (with what came before them).
    private var skippedTail: [UInt8] = []
    /// Set when the path this file was found at no longer leads to it (renamed, compressed or deleted).
    var rotatedAway = false
    /// Set when the last read reached the current end of the file.
    private(set) var atEnd = false
    /// Whether the offset, tail or fingerprint changed since the last commit.
    var dirty = true
    /// The modification time and size the file had when its head was last found unchanged (in memory only): the
    /// head is checked again only once either changed.
    var headCheckedAt: (mtime: Int64, size: Int64)?

    /// Opens a file at a committed offset: plain files are positioned there, gzip files are inflated up to it.
    init(
        record: StateStore.FileRecord,
        path: String,
        tailBytes: [UInt8],
        framer: LineFramer
    ) throws(LogonymIOError) {
        let opened = try InputOpener.open(path, readAhead: true)
        self.framer = framer
        self.record = record
        self.source = opened
        self.isGzip = opened.isGzip
        self.tailBytes = tailBytes
        self.readPosition = 0
        try skip(to: record.offset)
    }

    /// The descriptor's current identity (follows the file through renames).
    var probe: FileProbe? {
        guard let fd = (source as? PrefixedByteSource)?.source.fd ?? (source as? GzipByteSource)?.source.fd else {
            return nil
        }
        return FileProbe.descriptor(fd)
    }

    /// The first `count` bytes of a plain file, read through the descriptor (whatever its name now).
    func head(_ count: Int) -> [UInt8]? {
        guard let plain = source as? PrefixedByteSource else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(plain.source.fd, $0.baseAddress, count, 0) }
        guard n >= 0 else { return nil }
        bytes.removeLast(count - n)
        return bytes
    }

    private func skip(to offset: Int64) throws(LogonymIOError) {
        guard offset > 0 else { return }
        if !isGzip, let plain = source as? PrefixedByteSource {
            // The two prefix bytes were read by the opener; position the descriptor directly.
            lseek(plain.source.fd, off_t(offset), SEEK_SET)
            plain.discardPrefix()
            readPosition = offset
            return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while readPosition < offset {
            let want = Int(min(Int64(buffer.count), offset - readPosition))
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            guard n > 0 else {
                throw LogonymIOError(
                    code: .truncatedGzip,
                    path: record.path,
                    message: "ends at byte \(readPosition), before the committed offset \(offset)"
                )
            }
            readPosition += Int64(n)
        }
    }

    /// Reads what is there (up to `budget` bytes) and hands out every complete line.
    ///
    /// - Parameters:
    ///   - scratch: a shared buffer of at least the framer's hold limit + 64 KiB bytes.
    ///   - emit: every line as the framer cut it (``LineFramer/Event``), with the buffer it stands in.
    /// - Returns: the bytes read.
    func read(
        budget: Int,
        scratch: UnsafeMutableRawBufferPointer,
        emit: (UnsafeBufferPointer<UInt8>, LineFramer.Event) -> Void,
        stillSameFile: (Int32) -> Bool = { _ in true }
    ) throws(LogonymIOError) -> Int {
        let base = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let all = UnsafeBufferPointer(start: base, count: scratch.count)
        var total = 0
        atEnd = false
        while total < budget {
            var filled = partial.count
            partial.withUnsafeBytes { scratch.copyMemory(from: $0) }
            let room = scratch.count - filled
            precondition(room > 0, "the hold limit leaves no room to read")
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[filled..<(filled + room)]))
            if n == 0 {
                atEnd = true
                break
            }
            if let plain = source as? PrefixedByteSource, !isGzip, !stillSameFile(plain.source.fd) {
                // Truncated (copytruncate) and written again since the last scan: these bytes may be the new
                // content at the old offset. Nothing of them is used; the caller handles the truncation.
                truncationSeen = true
                break
            }
            total += n
            readPosition += Int64(n)
            filled += n
            let wasDiscarding = framer.discarding
            let lineStart = framer.frame(all, filled: filled) { emit(all, $0) }
            if lineStart > 0 {
                record.offset = readPosition - Int64(filled - lineStart)
                // The bytes before the new offset: this buffer's, after the old tail, or after the skipped bytes of
                // a line too long to hold (which the buffer no longer starts with).
                let before = wasDiscarding ? skippedTail : tailBytes
                let keep = min(Fingerprints.tailLength, lineStart)
                if keep == Fingerprints.tailLength {
                    tailBytes = Array(all[(lineStart - keep)..<lineStart])
                } else {
                    tailBytes = Array((before + all[(lineStart - keep)..<lineStart]).suffix(Fingerprints.tailLength))
                }
                dirty = true
            }
            if framer.discarding {
                // Too long to hold: skipped to its newline. The offset stays at the line's start, so that after a
                // restart the same line is skipped again, never half-written. The last bytes skipped are kept for
                // the tail hash at the offset after it.
                let prior = wasDiscarding && lineStart == 0 ? skippedTail : tailBytes
                skippedTail = Array((prior + all[lineStart..<filled]).suffix(Fingerprints.tailLength))
                partial.removeAll(keepingCapacity: true)
            } else {
                partial = Array(all[lineStart..<filled])
            }
        }
        return total
    }

    /// The file ends here (let go after its rotation): its unfinished last line is a line, or the end of one too
    /// long to hold, as when any other source ends (``LineFramer/finish(_:from:to:_:)``).
    func finish(emit: (UnsafeBufferPointer<UInt8>, LineFramer.Event) -> Void) {
        guard !partial.isEmpty || framer.discarding else { return }
        let before = framer.discarding ? skippedTail : tailBytes
        partial.withUnsafeBufferPointer { all in
            framer.finish(all, from: 0, to: all.count) { emit(all, $0) }
        }
        tailBytes = Array((before + partial).suffix(Fingerprints.tailLength))
        record.offset = readPosition
        partial.removeAll()
        dirty = true
    }

    /// Restarts reading from the beginning of a truncated file (copytruncate).
    func restartAfterTruncation() {
        truncationSeen = false
        headCheckedAt = nil
        guard let plain = source as? PrefixedByteSource else { return }
        lseek(plain.source.fd, 0, SEEK_SET)
        readPosition = 0
        record.offset = 0
        partial.removeAll()
        framer.reset()
        tailBytes.removeAll()
        skippedTail.removeAll()
        dirty = true
    }
}

@available(*, unavailable)
extension TailedFile: Sendable {}
