#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Field values the address scanner found nothing in, so that the next line with the same value copies it at
/// once: a log has a few hundred user agents (every Chrome's `Chrome/120.0.0.0` looks like an address to the
/// screen), virtual hosts and upstream names. Direct-mapped, in raw memory, fixed size; a colliding value takes the
/// slot.
///
/// Only values without any address are kept, and only in memory; nothing of it is written. A struct over raw
/// memory, so that a lookup costs no reference counting; its owner calls ``deallocate()``.
public struct CleanTextCache {
    private static let slotBits = 12
    private static let slotSize = 512
    private static let headerSize = 2
    private let memory: UnsafeMutableRawPointer

    public init() {
        // Zeroed pages from the system, touched only as slots are used.
        memory = calloc(1 << Self.slotBits, Self.slotSize)!
    }

    public func deallocate() {
        free(memory)
    }

    /// The slot for a value: a hash of its length and of three 8-byte words (start, middle, end). Equal slots are
    /// only a hint; a hit also compares the bytes.
    @inline(__always)
    private func slot(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UnsafeMutableRawPointer {
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
        let index = Int(truncatingIfNeeded: h >> 40) & ((1 << Self.slotBits) - 1)
        return memory + index &* Self.slotSize
    }

    /// Whether the value is known to hold no address.
    @inline(__always)
    public func contains(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = end &- start
        guard length <= Self.slotSize - Self.headerSize else { return false }
        let slot = slot(base, start, end)
        // Length 0 marks an empty slot (empty values never reach the cache).
        return Int(slot.load(as: UInt16.self)) == length && length > 0
            && memcmp(slot + Self.headerSize, base + start, length) == 0
    }

    /// Remembers a value the scanner found no address in.
    @inline(__always)
    public func insert(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
        let length = end &- start
        guard length > 0, length <= Self.slotSize - Self.headerSize else { return }
        let slot = slot(base, start, end)
        slot.storeBytes(of: UInt16(length), as: UInt16.self)
        (slot + Self.headerSize).copyMemory(from: base + start, byteCount: length)
    }
}

@available(*, unavailable)
extension CleanTextCache: Sendable {}
