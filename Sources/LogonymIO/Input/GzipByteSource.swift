import CISAL
import Glibc

/// Inflates a gzip stream read from another source, member after member until the end of the file.
///
/// ISA-L's inflate does the work (about seven times zlib's speed here; README, "Compression"), checking each
/// member's CRC and length. Damage is reported with the compressed byte offset at which the inflater gave up;
/// everything decoded before it has been returned already. With `readAhead`, the inflating runs on its own thread
/// (``BackgroundReader``), a few chunks ahead of the lines being processed.
public final class GzipByteSource: ByteSource {
    let source: FileByteSource
    private let inflater: Inflater
    private let background: BackgroundReader?

    public var position: Int { background?.position ?? source.position }
    public var size: Int? { source.size }
    public var isGzip: Bool { true }

    /// Wraps a source whose bytes are gzip; `prefix` holds bytes already read from it (the magic check).
    public convenience init(source: FileByteSource, prefix: [UInt8], readAhead: Bool = false) {
        self.init(file: source, reading: source, prefix: prefix, readAhead: readAhead)
    }

    /// Inflates what `inner` yields (a decrypted segment) from `file`; `prefix` holds bytes already read from
    /// `inner`.
    init(file: FileByteSource, reading inner: any ByteSource, prefix: [UInt8], readAhead: Bool = false) {
        self.source = file
        let inflater = Inflater(source: inner, path: file.path, prefix: prefix)
        self.inflater = inflater
        guard readAhead else {
            background = nil
            return
        }
        background = BackgroundReader(
            read: { (buffer) throws(LogonymIOError) in try inflater.read(into: buffer) },
            position: { file.position }
        )
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        if let background { return try background.read(into: buffer) }
        return try inflater.read(into: buffer)
    }
}

/// The inflating itself, on whichever thread reads.
private final class Inflater {
    let source: any ByteSource
    let path: String
    private let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutableRawBufferPointer
    /// Compressed bytes handed to the inflater and consumed by it.
    private var consumed = 0
    /// Whether a member has been started and not finished.
    private var inMember = false
    private var finished = false

    init(source: any ByteSource, path: String, prefix: [UInt8]) {
        self.source = source
        self.path = path
        input = .allocate(byteCount: 256 * 1024, alignment: 16)
        state = .allocate(capacity: 1)
        UnsafeMutableRawPointer(state).initializeMemory(
            as: UInt8.self,
            repeating: 0,
            count: MemoryLayout<inflate_state>.size
        )
        isal_inflate_init(state)
        prefix.withUnsafeBytes { input.copyMemory(from: $0) }
        state.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_in = UInt32(prefix.count)
    }

    deinit {
        state.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let capacity = min(buffer.count, Int(UInt32.max))
        var produced = 0
        while produced == 0 {
            if state.pointee.avail_in == 0 {
                let n = try source.read(into: input)
                if n == 0 {
                    finished = true
                    if inMember {
                        throw LogonymIOError(
                            code: .truncatedGzip,
                            path: path,
                            message:
                                "truncated gzip data: the stream ends inside a member at compressed byte offset \(consumed)"
                        )
                    }
                    return 0
                }
                state.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                state.pointee.avail_in = UInt32(n)
            }
            if !inMember {
                // Between members: trailing NUL padding is ignored, anything else must be another member.
                while state.pointee.avail_in > 0 && state.pointee.next_in.pointee == 0 {
                    state.pointee.next_in += 1
                    state.pointee.avail_in -= 1
                    consumed += 1
                }
                if state.pointee.avail_in == 0 { continue }
                if state.pointee.next_in.pointee != 0x1F {
                    finished = true
                    throw LogonymIOError(
                        code: .trailingGarbage,
                        path: path,
                        message: "data after the last gzip member is not gzip, at compressed byte offset \(consumed)"
                    )
                }
                try gatherHeader()
                startMember()
            }
            state.pointee.next_out = out + produced
            state.pointee.avail_out = UInt32(capacity - produced)
            let before = Int(state.pointee.avail_in)
            let status = isal_inflate(state)
            consumed += before - Int(state.pointee.avail_in)
            produced = capacity - Int(state.pointee.avail_out)
            guard status == ISAL_DECOMP_OK else {
                finished = true
                throw LogonymIOError(
                    code: .corruptGzip,
                    path: path,
                    message: "corrupt gzip data at compressed byte offset \(consumed) (\(Self.reason(status)))"
                )
            }
            if state.pointee.block_state == ISAL_BLOCK_FINISH { inMember = false }
        }
        return produced
    }

    /// Makes the whole header of the member at the next input byte sit in the input buffer, reading on as needed:
    /// ISA-L checks a header CRC (FHCRC) only over the part of the header it is given in one call, so a header
    /// split between reads (always, at a file's start: the first read held only the magic bytes) would fail it.
    private func gatherHeader() throws(LogonymIOError) {
        while true {
            let held = Int(state.pointee.avail_in)
            if Self.headerLength(UnsafeBufferPointer(start: state.pointee.next_in, count: held)) != nil { return }
            // Longer than the buffer (a name of 256 KiB): left to the inflater to refuse.
            guard held < input.count else { return }
            let base = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if state.pointee.next_in != base { memmove(base, state.pointee.next_in, held) }
            let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[held...]))
            state.pointee.next_in = base
            state.pointee.avail_in = UInt32(held + got)
            // At the end of the file: the inflater reports the member as cut short.
            if got == 0 { return }
        }
    }

    /// The length of the gzip header at the start of `b` (RFC 1952: ten bytes, then the optional extra field, name,
    /// comment and header CRC its flags announce), or `nil` while `b` holds only part of it.
    static func headerLength(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count >= 10 else { return nil }
        let flags = b[3]
        var i = 10
        if flags & 0x04 != 0 {
            guard b.count >= i + 2 else { return nil }
            i += 2 + (Int(b[i]) | Int(b[i + 1]) << 8)
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {
            // A zero-terminated name or comment.
            guard i < b.count, let end = b[i...].firstIndex(of: 0) else { return nil }
            i = end + 1
        }
        if flags & 0x02 != 0 { i += 2 }
        return i <= b.count ? i : nil
    }

    /// Readies the inflater for a member starting at the next input byte (header, data, CRC and length checked).
    private func startMember() {
        let (next, available) = (state.pointee.next_in, state.pointee.avail_in)
        isal_inflate_reset(state)
        state.pointee.next_in = next
        state.pointee.avail_in = available
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        inMember = true
    }

    private static func reason(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: "invalid block"
        case ISAL_INVALID_SYMBOL: "invalid code"
        case ISAL_INVALID_LOOKBACK: "invalid distance too far back"
        case ISAL_INVALID_WRAPPER: "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: "unknown compression method"
        case ISAL_INCORRECT_CHECKSUM: "incorrect data check"
        default: "error \(status)"
        }
    }
}

@available(*, unavailable)
extension GzipByteSource: Sendable {}

@available(*, unavailable)
extension Inflater: Sendable {}
