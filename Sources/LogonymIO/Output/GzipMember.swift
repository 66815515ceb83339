import CDeflate
import Synchronization

/// Compresses one block into one complete gzip member, so that a file is a series of members (`zcat` and every
/// gzip reader concatenate them) and blocks can be compressed in parallel.
///
/// libdeflate compresses the whole block at once: at the same level it is about 2.5 times as fast as zlib's
/// streaming deflate and its output is slightly smaller (README, "Compression"). Its levels 1 to 9 are taken as
/// they are, so `--compression-level` keeps the meaning gzip gives it.
public enum GzipMember: Sendable {
    /// The gzip member holding `block`.
    ///
    /// - Parameter level: 1 (fastest) to 9 (smallest).
    public static func compress(_ block: [UInt8], level: Int32) -> [UInt8] {
        block.withUnsafeBytes { compress($0, level: level) }
    }

    /// The gzip member holding the bytes of `block`.
    public static func compress(_ block: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
        let compressor = Compressors.take(level: level).pointer
        defer { Compressors.give(Compressor(pointer: compressor), level: level) }
        let bound = libdeflate_gzip_compress_bound(compressor, block.count)
        var out = [UInt8](repeating: 0, count: bound)
        let produced = out.withUnsafeMutableBytes { output in
            libdeflate_gzip_compress(compressor, block.baseAddress, block.count, output.baseAddress, output.count)
        }
        precondition(produced > 0, "libdeflate_gzip_compress did not fit its own bound")
        out.removeLast(out.count - produced)
        return out
    }

    /// A libdeflate compressor, used by one thread at a time (taken from and given back to ``Compressors``).
    private struct Compressor: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Compressors kept for reuse (one holds about 1 MiB of tables at the high levels): a compression thread takes
    /// one and gives it back, so there are never more than threads, and none is made per block.
    private enum Compressors {
        private static let idle = Mutex<[Int32: [Compressor]]>([:])

        static func take(level: Int32) -> Compressor {
            if let reused = idle.withLock({ $0[level]?.popLast() }) { return reused }
            guard let made = libdeflate_alloc_compressor(level) else {
                preconditionFailure("libdeflate_alloc_compressor(\(level)) failed: out of memory or a bad level")
            }
            return Compressor(pointer: made)
        }

        static func give(_ compressor: Compressor, level: Int32) {
            idle.withLock { $0[level, default: []].append(compressor) }
        }
    }
}
