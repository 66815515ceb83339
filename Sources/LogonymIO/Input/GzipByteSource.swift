import CZlib

/// Inflates a gzip stream read from another source, member after member until the end of the file.
///
/// Damage is reported with the compressed byte offset at which zlib gave up; everything decoded before it has
/// been returned already.
public final class GzipByteSource: ByteSource {
    let source: FileByteSource
    private var stream = z_stream()
    private let input: UnsafeMutableRawBufferPointer
    /// Compressed bytes handed to zlib and consumed by it.
    private var consumed = 0
    /// Whether a member has been started and not finished.
    private var inMember = false
    private var finished = false

    public var position: Int { source.position }
    public var size: Int? { source.size }
    public var isGzip: Bool { true }

    /// Wraps a source whose bytes are gzip; `prefix` holds bytes already read from it (the magic check).
    public init(source: FileByteSource, prefix: [UInt8]) {
        self.source = source
        input = .allocate(byteCount: 256 * 1024, alignment: 16)
        let status = logonym_inflate_init(&stream, 15 + 16)
        precondition(status == Z_OK, "inflateInit2 failed: \(status)")
        prefix.withUnsafeBytes { input.copyMemory(from: $0) }
        stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = UInt32(prefix.count)
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.next_out = out
        stream.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
        let capacity = Int(stream.avail_out)
        while Int(stream.avail_out) == capacity {
            if stream.avail_in == 0 {
                let n = try source.read(into: input)
                if n == 0 {
                    finished = true
                    if inMember {
                        throw LogonymIOError(
                            code: .truncatedGzip,
                            path: source.path,
                            message:
                                "truncated gzip data: the stream ends inside a member at compressed byte offset \(consumed)"
                        )
                    }
                    return 0
                }
                stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = UInt32(n)
            }
            if !inMember {
                // Between members: trailing NUL padding is ignored, anything else must be another member.
                while stream.avail_in > 0 && stream.next_in.pointee == 0 {
                    stream.next_in += 1
                    stream.avail_in -= 1
                    consumed += 1
                }
                if stream.avail_in == 0 { continue }
                if stream.next_in.pointee != 0x1F {
                    finished = true
                    throw LogonymIOError(
                        code: .trailingGarbage,
                        path: source.path,
                        message: "data after the last gzip member is not gzip, at compressed byte offset \(consumed)"
                    )
                }
            }
            let before = Int(stream.avail_in)
            let status = inflate(&stream, Z_NO_FLUSH)
            consumed += before - Int(stream.avail_in)
            switch status {
            case Z_STREAM_END:
                inflateReset(&stream)
                inMember = false
            case Z_OK, Z_BUF_ERROR:
                inMember = true
            default:
                finished = true
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw LogonymIOError(
                    code: .corruptGzip,
                    path: source.path,
                    message: "corrupt gzip data at compressed byte offset \(consumed) (\(reason))"
                )
            }
        }
        return capacity - Int(stream.avail_out)
    }
}

@available(*, unavailable)
extension GzipByteSource: Sendable {}
