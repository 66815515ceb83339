import CDeflate
import CISAL
import Synchronization

/// Compresses one block into one complete gzip member, so that a file is a series of members (`zcat` and every
/// gzip reader concatenate them) and blocks can be compressed in parallel.
///
/// A level means what it means to gzip: about the size `gzip -N` gives, for less work. Each is done by the
/// fastest library level whose output is within 5% of `gzip -N`'s on access logs (measured on the benchmark log;
/// README, "Compression"). Level 1 is ISA-L's igzip (smaller than `gzip -1`, about twice libdeflate's speed), the
/// others libdeflate, whose whole-buffer compression fits one member per block. (libdeflate 4 for the default would
/// be 6% faster on the windowed path, but 1.14 times `gzip -6` on JSON logs: over the 1.1 allowed.)
public enum GzipMember: Sendable {
    /// The gzip member holding `block`.
    ///
    /// - Parameter level: 1 (fastest) to 9 (smallest), as gzip's.
    public static func compress(_ block: [UInt8], level: Int32) -> [UInt8] {
        block.withUnsafeBytes { compress($0, level: level) }
    }

    /// The gzip member holding the bytes of `block`.
    public static func compress(_ block: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
        if level <= 1, let member = igzipLevelOne(block) { return member }
        let mapped = libdeflateLevel(level)
        let compressor = compressors.take(mapped)
        defer { compressors.give(compressor, mapped) }
        let output = compressor.scratch(libdeflate_gzip_compress_bound(compressor.pointer, block.count))
        let count = libdeflate_gzip_compress(
            compressor.pointer,
            block.baseAddress,
            block.count,
            output.baseAddress,
            output.count
        )
        precondition(count > 0, "libdeflate_gzip_compress did not fit its own bound")
        return Array(UnsafeBufferPointer(rebasing: output[0..<count]))
    }

    /// libdeflate's level for gzip's `level` (2 to 9): sizes on the benchmark log's output, in bytes per 60 MB, gzip
    /// then libdeflate: 2 and 3: 6.27 M and 6.05 M, libdeflate 1 5.74 M; 4: 5.38 M, 3 5.43 M; 5: 4.98 M, 4 5.09 M;
    /// 6: 4.79 M, 5 4.90 M; 7: 4.65 M, 6 4.65 M; 8: 4.54 M, 7 4.54 M; 9: 4.53 M, 9 4.40 M.
    static func libdeflateLevel(_ level: Int32) -> Int32 {
        switch level {
        case ...3: 1
        case 4...8: level - 1
        default: 9
        }
    }

    /// Level 1 by igzip (6.46 M per 60 MB of the benchmark log's output, `gzip -1` 6.65 M); `nil` if the member would
    /// not fit the room allowed (incompressible data: libdeflate then does it).
    private static func igzipLevelOne(_ block: UnsafeRawBufferPointer) -> [UInt8]? {
        guard block.count < Int(UInt32.max) / 2 else { return nil }
        let working = levelOneBuffers.take(1)
        defer { levelOneBuffers.give(working, 1) }
        var stream = isal_zstream()
        isal_deflate_stateless_init(&stream)
        stream.level = 1
        stream.level_buf = working.pointer
        stream.level_buf_size = logonym_isal_level1_buffer_size()
        stream.gzip_flag = UInt16(IGZIP_GZIP)
        stream.end_of_stream = 1
        stream.flush = UInt16(NO_FLUSH)
        let output = working.scratch(block.count + block.count / 8 + 1024)
        stream.next_in = UnsafeMutablePointer(mutating: block.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(block.count)
        stream.next_out = output.baseAddress
        stream.avail_out = UInt32(output.count)
        guard isal_deflate_stateless(&stream) == COMP_OK, stream.avail_in == 0 else { return nil }
        return Array(UnsafeBufferPointer(rebasing: output[0..<(output.count - Int(stream.avail_out))]))
    }

    /// A libdeflate compressor or an igzip working buffer, used by one thread at a time, with the room its output
    /// is written to (a member is copied out at its size: an array of the worst case's size would hold about eight
    /// times the memory until the member is written).
    private final class Handle<Pointer>: @unchecked Sendable {
        let pointer: Pointer
        private var room = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)

        init(pointer: Pointer) {
            self.pointer = pointer
        }

        deinit { room.deallocate() }

        /// At least `count` bytes to write to, valid until the next call.
        func scratch(_ count: Int) -> UnsafeMutableBufferPointer<UInt8> {
            if room.count < count {
                room.deallocate()
                room = .allocate(capacity: count)
            }
            return room
        }
    }

    /// Handles kept for reuse (a libdeflate compressor holds about 1 MiB of tables at the high levels, an igzip
    /// level-1 working buffer 276 KiB): a compression thread takes one and gives it back, so there are never more
    /// than threads of each kind, and none is made per block.
    private final class Pool<Pointer>: Sendable {
        private let idle = Mutex<[Int32: [Handle<Pointer>]]>([:])
        private let make: @Sendable (Int32) -> Pointer

        init(make: @escaping @Sendable (Int32) -> Pointer) {
            self.make = make
        }

        func take(_ key: Int32) -> Handle<Pointer> {
            idle.withLock { $0[key]?.popLast() } ?? Handle(pointer: make(key))
        }

        func give(_ handle: Handle<Pointer>, _ key: Int32) {
            idle.withLock { $0[key, default: []].append(handle) }
        }
    }

    /// libdeflate compressors, by level.
    private static let compressors = Pool<OpaquePointer> { level in
        guard let made = libdeflate_alloc_compressor(level) else {
            preconditionFailure("libdeflate_alloc_compressor(\(level)) failed: out of memory or a bad level")
        }
        return made
    }

    /// igzip's level-1 working buffers (one key).
    private static let levelOneBuffers = Pool<UnsafeMutablePointer<UInt8>> { _ in
        .allocate(capacity: Int(logonym_isal_level1_buffer_size()))
    }
}
