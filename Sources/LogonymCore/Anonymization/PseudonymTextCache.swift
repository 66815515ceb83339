import Glibc

/// The pseudonym texts of the address texts seen last, so that an address that comes again (a client's next
/// request, a busy proxy) is written without being parsed, pseudonymized and formatted again: on the benchmark log
/// more than four lines in five find their client here. Direct-mapped, in raw memory, fixed size: an address
/// text's slot is chosen by a hash of its length and bytes, and a new text takes the slot over.
///
/// A slot holds the text as it came (a bare address, without brackets, port or zone id), the address parsed from it
/// and what ``Anonymizer/writePseudonym(of:into:)`` wrote and returned for it. The pseudonyms depend on the
/// anonymizer: ``invalidate()`` forgets every slot when it changes. Key material like the anonymizer's own cache:
/// memory only. A struct over raw memory, so that a lookup costs no reference counting; its owner calls
/// ``deallocate()``.
struct PseudonymTextCache {
    private static let slotBits = 10
    private static let slotSize = 128
    /// Before the slots: the current generation (a slot of another one is empty).
    private static let headerSize = 64
    // A slot: its generation (UInt32), the text's length, the pseudonym's length and whether the address was left
    // unchanged (a byte each), the address, then the text and the pseudonym.
    private static let addressOffset = 8
    private static let textOffset = 32
    private static let pseudonymOffset = 80
    /// The longest text or pseudonym kept (an address is at most 45 bytes).
    private static let maxLength = 48
    private let memory: UnsafeMutableRawPointer

    init() {
        precondition(MemoryLayout<IPAddress>.size <= Self.textOffset - Self.addressOffset, "an address fits its place")
        // Zeroed pages from the system, touched only as slots are used; generation 1 sees every slot empty.
        memory = calloc(1, Self.headerSize + (1 << Self.slotBits) * Self.slotSize)!
        memory.storeBytes(of: UInt32(1), as: UInt32.self)
    }

    func deallocate() {
        free(memory)
    }

    /// Forgets every slot (the pseudonyms are another anonymizer's).
    func invalidate() {
        memory.storeBytes(of: memory.load(as: UInt32.self) &+ 1, as: UInt32.self)
    }

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
            if length > 16 { h ^= raw.loadUnaligned(fromByteOffset: (length &- 8) >> 1, as: UInt64.self) }
        } else {
            for i in start..<end { h = (h ^ UInt64(base[i])) &* 0xFF51_AFD7_ED55_8CCD }
        }
        h = (h ^ (h >> 31)) &* 0xFF51_AFD7_ED55_8CCD
        let index = Int(truncatingIfNeeded: h >> 40) & ((1 << Self.slotBits) - 1)
        return memory + (Self.headerSize &+ index &* Self.slotSize)
    }

    /// The slot holding the text `base[start..<end]`, if it is there.
    @inline(__always)
    func lookup(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UnsafeRawPointer? {
        let length = end &- start
        guard length > 0, length <= Self.maxLength else { return nil }
        let slot = slot(base, start, end)
        guard slot.load(as: UInt32.self) == memory.load(as: UInt32.self),
            Int((slot + 4).load(as: UInt8.self)) == length,
            memcmp(slot + Self.textOffset, base + start, length) == 0
        else { return nil }
        return UnsafeRawPointer(slot)
    }

    /// The address parsed from a slot's text.
    @inline(__always)
    static func address(_ slot: UnsafeRawPointer) -> IPAddress {
        slot.load(fromByteOffset: addressOffset, as: IPAddress.self)
    }

    /// Whether the anonymizer left the slot's address unchanged.
    @inline(__always)
    static func isUnchanged(_ slot: UnsafeRawPointer) -> Bool {
        slot.load(fromByteOffset: 6, as: UInt8.self) != 0
    }

    /// The pseudonym's text.
    @inline(__always)
    static func pseudonym(_ slot: UnsafeRawPointer) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(
            start: (slot + pseudonymOffset).assumingMemoryBound(to: UInt8.self),
            count: Int(slot.load(fromByteOffset: 5, as: UInt8.self))
        )
    }

    /// Remembers what the text `base[start..<end]` (a bare address) became: `address`, and `written[from...]`.
    func insert(
        _ base: UnsafePointer<UInt8>,
        _ start: Int,
        _ end: Int,
        address: IPAddress,
        unchanged: Bool,
        written: [UInt8],
        from: Int
    ) {
        let length = end &- start
        let pseudonymLength = written.count &- from
        guard length > 0, length <= Self.maxLength, pseudonymLength <= Self.maxLength else { return }
        let slot = slot(base, start, end)
        slot.storeBytes(of: memory.load(as: UInt32.self), as: UInt32.self)
        (slot + 4).storeBytes(of: UInt8(length), as: UInt8.self)
        (slot + 5).storeBytes(of: UInt8(pseudonymLength), as: UInt8.self)
        (slot + 6).storeBytes(of: unchanged ? 1 : 0, as: UInt8.self)
        (slot + Self.addressOffset).storeBytes(of: address, as: IPAddress.self)
        (slot + Self.textOffset).copyMemory(from: base + start, byteCount: length)
        written.withUnsafeBytes { bytes in
            (slot + Self.pseudonymOffset).copyMemory(from: bytes.baseAddress! + from, byteCount: pseudonymLength)
        }
    }
}

@available(*, unavailable)
extension PseudonymTextCache: Sendable {}
