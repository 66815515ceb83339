import Glibc

/// Field values the address scanner found nothing in, so that the next line with the same value copies it at
/// once: a log has a few hundred user agents (every Chrome's `Chrome/120.0.0.0` looks like an address to the
/// screen), virtual hosts and upstream names. Set-associative, in raw memory, fixed size: a value's set is chosen by
/// a hash of its length and of three 8-byte words (start, middle, end), cheap to compute; values that differ
/// elsewhere (`Chrome/128.0.0.0` and `Chrome/129.0.0.0`) share a set and sit in its ways side by side. A full set
/// gives up its ways in turn.
///
/// Only values without any address are kept, and only in memory; nothing of it is written. A struct over raw
/// memory, so that a lookup costs no reference counting; its owner calls ``deallocate()``.
public struct CleanTextCache {
    private static let setBits = 10
    private static let ways = 4
    private static let slotSize = 512
    /// A slot starts with the value's length (0: empty); the first slot of a set also holds, after it, the way
    /// the next insertion into a full set takes.
    private static let headerSize = 4
    private let memory: UnsafeMutableRawPointer

    public init() {
        // Zeroed pages from the system, touched only as slots are used.
        memory = calloc(1 << Self.setBits, Self.ways * Self.slotSize)!
    }

    public func deallocate() {
        free(memory)
    }

    /// The first slot of a value's set.
    @inline(__always)
    private func set(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UnsafeMutableRawPointer {
        let length = end &- start
        var h = UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9_7F4A_7C15
        if length >= 8 {
            let raw = UnsafeRawPointer(base + start)
            h ^= raw.loadUnaligned(as: UInt64.self)
            h = (h ^ (h >> 29)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= raw.loadUnaligned(fromByteOffset: length &- 8, as: UInt64.self)
            h = (h ^ (h >> 29)) &* 0xC4CE_B9FE_1A85_EC53
            h ^= raw.loadUnaligned(fromByteOffset: (length &- 8) >> 1, as: UInt64.self)
        } else {
            for i in start..<end { h = (h ^ UInt64(base[i])) &* 0xFF51_AFD7_ED55_8CCD }
        }
        h = (h ^ (h >> 31)) &* 0xFF51_AFD7_ED55_8CCD
        let index = Int(truncatingIfNeeded: h >> 40) & ((1 << Self.setBits) - 1)
        return memory + index &* (Self.ways * Self.slotSize)
    }

    /// Whether the value is known to hold no address.
    @inline(__always)
    public func contains(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = end &- start
        guard length > 0, length <= Self.slotSize - Self.headerSize else { return false }
        var slot = set(base, start, end)
        for _ in 0..<Self.ways {
            if Int(slot.load(as: UInt16.self)) == length
                && memcmp(slot + Self.headerSize, base + start, length) == 0
            {
                return true
            }
            slot += Self.slotSize
        }
        return false
    }

    /// Remembers a value the scanner found no address in: in an empty way of its set, or in the one whose turn it is.
    @inline(__always)
    public func insert(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
        let length = end &- start
        guard length > 0, length <= Self.slotSize - Self.headerSize else { return }
        let first = set(base, start, end)
        var way = 0
        while way < Self.ways && (first + way &* Self.slotSize).load(as: UInt16.self) != 0 { way &+= 1 }
        if way == Self.ways {
            let turn = (first + 2).load(as: UInt8.self)
            way = Int(turn) & (Self.ways - 1)
            (first + 2).storeBytes(of: turn &+ 1, as: UInt8.self)
        }
        let slot = first + way &* Self.slotSize
        slot.storeBytes(of: UInt16(length), as: UInt16.self)
        (slot + Self.headerSize).copyMemory(from: base + start, byteCount: length)
    }
}

@available(*, unavailable)
extension CleanTextCache: Sendable {}
