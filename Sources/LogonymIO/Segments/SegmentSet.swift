import Dispatch
import Foundation
import Glibc
import LogonymCore
import Synchronization

/// The output segments of one input: one file per window (and part), plain or a series of gzip members.
///
/// Lines are collected in memory per segment; a compressed segment's lines go to the compression threads as a
/// gzip member every ``memberBytes`` (``MemberCompression``), while reading goes on. ``flush()`` appends what was
/// collected (the members in order, the last one started then), fsyncs, and returns the new lengths for the state
/// database. A segment is never written past what the state
/// database will record: on start, ``recover(committed:)`` cuts every open segment back to its committed length
/// and removes files that were never committed.
final class SegmentSet {
    let input: String
    let directory: String
    let window: WindowLength
    let compress: Bool
    let compressionLevel: Int32
    /// The mode and group of a new segment.
    let access: FileAccess

    final class Segment {
        let path: String
        let windowStart: Int64
        let part: Int
        var fd: Int32 = -1
        var length: Int64
        var lines: Int64
        /// Lines not yet handed to compression (all lines not yet written, for a plain segment).
        var pending: [UInt8] = []
        /// Lines not yet committed, and their bytes before compression.
        var pendingLines: Int64 = 0
        var uncommittedBytes = 0
        /// Members being compressed (or done) since the last commit, in order.
        var members: [MemberCompression] = []
        var open = true
        var changed = false

        init(path: String, windowStart: Int64, part: Int, length: Int64, lines: Int64) {
            self.path = path
            self.windowStart = windowStart
            self.part = part
            self.length = length
            self.lines = lines
        }
    }

    /// Open segments by window start.
    private(set) var open: [Int64: Segment] = [:]
    /// The highest part used so far per window (closed or open).
    private var lastPart: [Int64: Int] = [:]
    /// Segments closed since the last flush (recorded as closed at the next commit).
    private var closing: [Segment] = []

    init(
        input: String,
        outputDirectory: String,
        window: WindowLength,
        compress: Bool,
        compressionLevel: Int32 = 6,
        group: gid_t? = nil
    ) {
        self.input = input
        self.access = .output(group: group)
        self.directory = outputDirectory + "/" + input
        self.window = window
        self.compress = compress
        self.compressionLevel = compressionLevel
    }

    /// The segments of `input` as the engine's settings say (directory, window, compression).
    convenience init(input: String, engine: EngineSettings) {
        self.init(
            input: input,
            outputDirectory: engine.outputDirectory,
            window: engine.window,
            compress: engine.compress,
            compressionLevel: engine.compressionLevel,
            group: engine.outputGroup
        )
    }

    /// Bytes waiting to be written, in open segments and in those closed since the last commit (whose compressed
    /// members are held until it: a backlog crosses many windows between two commits).
    /// Each window written to since the last commit also holds its client sketch (64 KiB) and its lines' slack: it
    /// counts this much more, so that a log touching many windows commits before they add up.
    var pendingBytes: Int {
        (open.values + closing).reduce(0) {
            $0 + $1.uncommittedBytes + ($1.uncommittedBytes > 0 ? Self.windowBytes : 0)
        }
    }

    static let windowBytes = 96 << 10

    /// Cuts open segments back to their committed lengths and removes uncommitted files.
    func recover(committed: [StateStore.SegmentRecord]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Known by name: the output directory may be spelled another way than when they were recorded
        // (`out`, `./out/`, an absolute path), and a committed segment is never removed for that.
        var known = Set<String>()
        for record in committed {
            known.insert((record.path as NSString).lastPathComponent)
            lastPart[record.windowStart] = max(lastPart[record.windowStart] ?? 0, record.part)
            guard record.open else { continue }
            let segment = Segment(
                path: record.path,
                windowStart: record.windowStart,
                part: record.part,
                length: record.length,
                lines: record.lines
            )
            if let probe = FileProbe.path(record.path) {
                if probe.size > record.length { truncate(record.path, off_t(record.length)) }
            } else if record.length > 0 {
                throw LogonymIOError(
                    code: .openFailed,
                    path: record.path,
                    message: "committed segment is missing (\(record.length) bytes were recorded)"
                )
            }
            open[record.windowStart] = segment
        }
        // A segment file the database does not know was created after the last commit. Nothing else is touched.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where !known.contains(name) && (name.hasSuffix(".log") || name.hasSuffix(".log.gz")) && !name.hasPrefix(".") {
            unlink(directory + "/" + name)
        }
    }

    /// Adds one processed line (with its newline) to its window's segment.
    func append(_ bytes: ArraySlice<UInt8>, windowStart: Int64) {
        let segment = open[windowStart] ?? newSegment(windowStart)
        segment.pending.append(contentsOf: bytes)
        segment.pendingLines += 1
        segment.uncommittedBytes += bytes.count
        if compress && segment.pending.count >= Self.memberBytes { startMember(segment, full: true) }
    }

    /// Hands the segment's pending lines to the compression threads as one member: compression runs while the
    /// reading thread goes on, and a commit waits only for its last member. A full member's segment goes on in a
    /// reused block of a member's size; one cut short by a commit (a daemon's second of lines, in each of many
    /// inputs' segments) in an empty one that grows as its lines need.
    private func startMember(_ segment: Segment, full: Bool) {
        var block = full ? MemberCompression.emptyBlock() : []
        swap(&block, &segment.pending)
        segment.members.append(MemberCompression.start(block, level: compressionLevel))
    }

    private func newSegment(_ windowStart: Int64) -> Segment {
        let part = lastPart[windowStart].map { $0 + 1 } ?? 0
        lastPart[windowStart] = part
        let name = window.name(ofWindowStarting: windowStart)
        let suffix = compress ? ".log.gz" : ".log"
        let path = directory + "/" + name + (part == 0 ? "" : ".\(part)") + suffix
        let segment = Segment(path: path, windowStart: windowStart, part: part, length: 0, lines: 0)
        segment.changed = true
        open[windowStart] = segment
        return segment
    }

    /// Closes segments whose window ended before `watermark` (line time) by more than `grace` seconds.
    func closeWindows(before watermark: Int64, grace: Int64) {
        for (start, segment) in open where start + window.seconds + grace <= watermark {
            segment.open = false
            segment.changed = true
            closing.append(segment)
            open[start] = nil
        }
    }

    /// Writes and fsyncs everything pending; returns the records to commit.
    func flush() throws(LogonymIOError) -> [StateStore.SegmentRecord] {
        var records: [StateStore.SegmentRecord] = []
        var createdAny = false
        let segments = Array(open.values) + closing
        // Every segment's last member started before any is waited for, so that they are compressed together.
        if compress {
            for segment in segments where !segment.pending.isEmpty { startMember(segment, full: false) }
        }
        for segment in segments {
            let data = compress ? segment.members.flatMap { $0.member() } : segment.pending
            if !data.isEmpty {
                if segment.fd < 0 {
                    // A new segment gets its mode and group before its first byte; one committed before is
                    // reopened as it is. Never through a link.
                    var fd = Glibc.open(
                        segment.path,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        access.mode
                    )
                    if fd >= 0 {
                        do throws(LogonymIOError) {
                            try access.apply(to: fd, path: segment.path)
                        } catch {
                            close(fd)
                            unlink(segment.path)
                            throw error
                        }
                    } else if errno == EEXIST {
                        fd = Glibc.open(segment.path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
                    }
                    guard fd >= 0 else { throw .system("open", path: segment.path, errno: errno) }
                    segment.fd = fd
                    createdAny = true
                }
                let failed: Int32? = data.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = pwrite(
                            segment.fd,
                            raw.baseAddress! + offset,
                            raw.count - offset,
                            off_t(segment.length) + off_t(offset)
                        )
                        if n < 0 {
                            if errno == EINTR { continue }
                            return errno
                        }
                        offset += n
                    }
                    return nil
                }
                if let failed { throw .system("write", path: segment.path, errno: failed) }
                guard fsync(segment.fd) == 0 else { throw .system("fsync", path: segment.path, errno: errno) }
                segment.length += Int64(data.count)
                segment.lines += segment.pendingLines
                // A small buffer (a daemon's second of lines) is kept for reuse; a bigger one is given back, so that
                // many open windows do not each hold one.
                segment.pending.removeAll(keepingCapacity: segment.pending.capacity <= 64 << 10)
                segment.members.removeAll()
                segment.pendingLines = 0
                segment.uncommittedBytes = 0
                segment.changed = true
            }
            if segment.changed {
                records.append(
                    .init(
                        path: segment.path,
                        input: input,
                        windowStart: segment.windowStart,
                        part: segment.part,
                        length: segment.length,
                        lines: segment.lines,
                        open: segment.open
                    )
                )
                segment.changed = false
            }
            if !segment.open && segment.fd >= 0 {
                close(segment.fd)
                segment.fd = -1
            }
        }
        closing.removeAll()
        if createdAny {
            // The new directory entries must be durable before the database says the segments exist.
            DirectorySync.sync(directory)
        }
        return records
    }

    /// The pending bytes (lines before compression) that make a commit due, for the batch and the daemon alike:
    /// 8 MiB of lines for plain segments; 32 MiB for gzip segments, which hold their lines compressed (about an
    /// eighth) until the commit, and whose compression threads have nothing to do while a commit's fsyncs and
    /// transaction run: fewer, larger commits for the same memory.
    static func commitBytes(compress: Bool) -> Int { compress ? 32 << 20 : 8 << 20 }

    /// A member's lines: enough for a good ratio (1% larger output than 1 MiB members on the benchmark log), small
    /// enough that the blocks in flight, spare and pending keep a windowed run under 64 MiB (63 MiB peak RSS on the
    /// 1,000,000-line log, 69 MiB with 1 MiB members).
    static let memberBytes = 512 << 10

    /// An open segment that `forget` rewrote (after a commit, so nothing is pending): continue it in its new file
    /// at its new length.
    func replaced(_ record: StateStore.SegmentRecord) {
        guard let segment = open[record.windowStart], segment.path == record.path else { return }
        precondition(segment.pending.isEmpty && segment.members.isEmpty, "a segment is rewritten only after a commit")
        if segment.fd >= 0 { close(segment.fd) }
        segment.fd = -1
        segment.length = record.length
        segment.lines = record.lines
    }

    /// Closes every descriptor (segments stay open in the database, to be continued after a restart).
    func closeFiles() {
        for segment in open.values where segment.fd >= 0 {
            close(segment.fd)
            segment.fd = -1
        }
    }
}

@available(*, unavailable)
extension SegmentSet: Sendable {}

/// One gzip member being compressed on the shared compression threads. At most two per processor are in flight:
/// starting one more waits for one to finish, which bounds memory whatever the input.
final class MemberCompression: @unchecked Sendable {
    private static let slotCount = 2 * ProcessInfo.processInfo.activeProcessorCount
    private static let slots = DispatchSemaphore(value: slotCount)
    private let done = DispatchSemaphore(value: 0)
    /// The lines to compress, from `start` until a compression thread takes them.
    private var block: [UInt8] = []
    /// Written once on a compression thread before `done` is signalled, read after waiting for it.
    private var result: [UInt8] = []
    private var waited = false

    private init() {}

    /// Blocks given back once compressed, emptied with their memory kept: a block's pages are touched once per
    /// run, not once per member.
    private static let spare = Mutex<[[UInt8]]>([])

    /// An empty block with room for a member.
    static func emptyBlock() -> [UInt8] {
        if let block = spare.withLock({ $0.popLast() }) { return block }
        var block: [UInt8] = []
        block.reserveCapacity(SegmentSet.memberBytes + (64 << 10))
        return block
    }

    static func start(_ block: consuming [UInt8], level: Int32) -> MemberCompression {
        let job = MemberCompression()
        slots.wait()
        job.block = block
        CompressionThreads.shared.run {
            // Taken out of the job, so that it is the only reference and is emptied in place.
            var block = job.block
            job.block = []
            job.result = GzipMember.compress(block, level: level)
            job.done.signal()
            // Kept while it is about a member's size, one per slot.
            if block.capacity >= SegmentSet.memberBytes && block.capacity <= 2 * SegmentSet.memberBytes {
                block.removeAll(keepingCapacity: true)
                spare.withLock { [block] in if $0.count < slotCount { $0.append(block) } }
            }
            slots.signal()
        }
        return job
    }

    /// The member, once compressed (waits for it).
    func member() -> [UInt8] {
        if !waited {
            done.wait()
            waited = true
        }
        return result
    }
}
