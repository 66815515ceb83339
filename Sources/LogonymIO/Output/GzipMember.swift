import CZlib

/// Compresses one block into one complete gzip member, so that a file is a series of members (`zcat` and every
/// gzip reader concatenate them) and blocks can be compressed in parallel.
public enum GzipMember: Sendable {
    /// The gzip member holding `block`.
    ///
    /// - Parameter level: zlib level, 1 (fastest) to 9 (smallest).
    public static func compress(_ block: [UInt8], level: Int32) -> [UInt8] {
        var stream = z_stream()
        let status = logonym_deflate_init(&stream, level, 15 + 16)
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(block.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        var produced = 0
        block.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = UInt32(output.count)
                let result = deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "deflate did not finish within deflateBound: \(result)")
                produced = output.count - Int(stream.avail_out)
            }
        }
        out.removeLast(out.count - produced)
        return out
    }
}
