/// A direct-mapped cache from addresses to small integers (geo bucket slots), in raw memory: one multiply and one
/// compare per lookup, no hashing library, no exclusivity checks. A colliding address simply replaces the entry
/// (the next lookup of the evicted one is a miss). Memory only; emptied with its window.
struct AddressSlotCache {
    private let mask: Int
    /// Per entry: family (0 empty, 4, 6), the address's two words, and the slot.
    private let families: UnsafeMutablePointer<UInt8>
    private let words: UnsafeMutablePointer<(UInt64, UInt64)>
    private let slots: UnsafeMutablePointer<Int32>

    init(capacityPowerOfTwo bits: Int) {
        let count = 1 << bits
        mask = count - 1
        families = .allocate(capacity: count)
        families.initialize(repeating: 0, count: count)
        words = .allocate(capacity: count)
        words.initialize(repeating: (0, 0), count: count)
        slots = .allocate(capacity: count)
        slots.initialize(repeating: 0, count: count)
    }

    func deallocate() {
        families.deallocate()
        words.deallocate()
        slots.deallocate()
    }

    @inline(__always)
    private func key(_ address: IPAddress) -> (family: UInt8, words: (UInt64, UInt64), index: Int) {
        switch address {
        case .v4(let value):
            let mixed = UInt64(value) &* 0x9E37_79B9_7F4A_7C15
            return (4, (0, UInt64(value)), Int(truncatingIfNeeded: mixed >> 40) & mask)
        case .v6(let hi, let lo):
            let mixed = (hi ^ (lo &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15
            return (6, (hi, lo), Int(truncatingIfNeeded: mixed >> 40) & mask)
        }
    }

    @inline(__always)
    func slot(for address: IPAddress) -> Int? {
        let (family, words, index) = key(address)
        guard families[index] == family, self.words[index] == words else { return nil }
        return Int(slots[index])
    }

    @inline(__always)
    func store(_ slot: Int, for address: IPAddress) {
        let (family, words, index) = key(address)
        families[index] = family
        self.words[index] = words
        slots[index] = Int32(slot)
    }

    func removeAll() {
        families.update(repeating: 0, count: mask + 1)
    }
}
