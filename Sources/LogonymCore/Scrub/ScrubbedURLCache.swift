import Glibc

/// A direct-mapped cache of values the scrub stage had to take apart, with what it made of them: the same referrer
/// arrives with every asset of a page, the same search or API call many times an hour, the same few hundred user
/// agents all day. In raw memory; a colliding value replaces the slot's entry; only values that fit a slot are kept,
/// so the size is fixed.
///
/// The cache holds raw values (personal data) in memory only, as the input buffers do; nothing of it is written.
struct ScrubbedURLCache {
    static let maxCounts = 4
    /// Slot layout: key length (2; its top bit marks an output the address scanner found nothing in), output
    /// length (2, or ``unchanged``), count ids (4 × 2), then the key's bytes and right after them the output's (a
    /// 60-byte URL that comes out unchanged touches two cache lines).
    private static let headerSize = 12
    private static let unchanged = UInt16.max
    private let stride: Int
    private let mask: Int
    /// Each slot's hash on its own (small enough to stay in the processor's cache), then the slots.
    private let hashes: UnsafeMutablePointer<UInt64>
    private let memory: UnsafeMutableRawPointer

    /// - Parameters:
    ///   - bits: 2^bits slots.
    ///   - slotSize: bytes per slot; a value is kept when its key and output fit (with 12 bytes of header).
    /// Whether a key of this length fits a slot at all (longer URLs are neither hashed nor looked up).
    @inline(__always)
    func fits(_ length: Int) -> Bool { Self.headerSize + length <= stride }

    init(slotsPowerOfTwo bits: Int, slotSize: Int) {
        let count = 1 << bits
        stride = slotSize
        mask = count - 1
        // Zeroed pages from the system, touched only as slots are used: a quiet input's cache costs little memory.
        memory = calloc(count, stride)!
        hashes = calloc(count, 8)!.assumingMemoryBound(to: UInt64.self)
    }

    func deallocate() {
        free(memory)
        free(hashes)
    }

    /// A hash of the bytes, 8 at a time. (Equal hashes are only a hint: a hit also compares the bytes.)
    @inline(__always)
    static func hash(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(end - start)
        var i = start
        let raw = UnsafeRawPointer(base)
        while i + 8 <= end {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        var tail: UInt64 = 0
        while i < end {
            tail = tail << 8 | UInt64(base[i])
            i &+= 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        // Never 0, the mark of an empty slot.
        return (h ^ (h >> 32)) | 1
    }

    /// The slot holding the value, if it is cached.
    @inline(__always)
    func find(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, hash: UInt64) -> UnsafeMutableRawPointer? {
        let index = Int(truncatingIfNeeded: hash) & mask
        guard hashes[index] == hash else { return nil }
        let length = end - start
        let slot = memory + index * stride
        guard Int(slot.load(as: UInt16.self) & 0x7FFF) == length,
            memcmp(slot + Self.headerSize, base + start, length) == 0
        else { return nil }
        return slot
    }

    /// Whether what a found slot's value comes out as holds no address (``markAddressFree(_:)``).
    @inline(__always)
    static func isAddressFree(_ slot: UnsafeMutableRawPointer) -> Bool {
        slot.load(as: UInt16.self) & 0x8000 != 0
    }

    /// Marks a slot whose output holds no address.
    @inline(__always)
    static func markAddressFree(_ slot: UnsafeMutableRawPointer) {
        slot.storeBytes(of: slot.load(as: UInt16.self) | 0x8000, as: UInt16.self)
    }

    /// Whether a found slot's value came out as it went in.
    @inline(__always)
    static func isUnchanged(_ slot: UnsafeMutableRawPointer) -> Bool {
        slot.load(fromByteOffset: 2, as: UInt16.self) == unchanged
    }

    /// Appends a found slot's result for the value at `start..<end` and calls `count` with each counter id.
    @inline(__always)
    static func emit(
        _ slot: UnsafeMutableRawPointer,
        _ base: UnsafePointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8],
        count: (Int) -> Void
    ) {
        let length = end - start
        let outputLength = slot.load(fromByteOffset: 2, as: UInt16.self)
        if outputLength == unchanged {
            out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: length))
        } else {
            let output = (slot + headerSize + length).assumingMemoryBound(to: UInt8.self)
            out.append(contentsOf: UnsafeBufferPointer(start: output, count: Int(outputLength)))
        }
        for k in 0..<maxCounts {
            let id = Int(slot.load(fromByteOffset: 4 + 2 * k, as: UInt16.self))
            if id == 0 { break }
            count(id - 1)
        }
    }

    /// Appends the cached result for the value and calls `count` with each counter id it carried; false on a miss.
    @inline(__always)
    func lookup(
        _ base: UnsafePointer<UInt8>,
        _ start: Int,
        _ end: Int,
        hash: UInt64,
        into out: inout [UInt8],
        count: (Int) -> Void
    ) -> Bool {
        guard let slot = find(base, start, end, hash: hash) else { return false }
        Self.emit(slot, base, start, end, into: &out, count: count)
        return true
    }

    /// Keeps a value's result (when both fit) with up to ``maxCounts`` counter ids.
    func store(
        _ base: UnsafePointer<UInt8>,
        _ start: Int,
        _ end: Int,
        hash: UInt64,
        output: UnsafeBufferPointer<UInt8>,
        counts: [Int],
        addressFree: Bool = false
    ) {
        let length = end - start
        let isUnchanged =
            counts.isEmpty && output.count == length && memcmp(output.baseAddress!, base + start, length) == 0
        let stored = Self.headerSize + length + (isUnchanged ? 0 : output.count)
        guard stored <= stride, counts.count <= Self.maxCounts else { return }
        let index = Int(truncatingIfNeeded: hash) & mask
        hashes[index] = hash
        let slot = memory + index * stride
        slot.storeBytes(of: UInt16(length) | (addressFree ? 0x8000 : 0), as: UInt16.self)
        slot.storeBytes(of: isUnchanged ? Self.unchanged : UInt16(output.count), toByteOffset: 2, as: UInt16.self)
        for k in 0..<Self.maxCounts {
            slot.storeBytes(of: k < counts.count ? UInt16(counts[k] + 1) : 0, toByteOffset: 4 + 2 * k, as: UInt16.self)
        }
        (slot + Self.headerSize).copyMemory(from: base + start, byteCount: length)
        if !isUnchanged, let outputBase = output.baseAddress {
            (slot + Self.headerSize + length).copyMemory(from: outputBase, byteCount: output.count)
        }
    }
}
