/// A table of names compared case-insensitively with `-` and `_` alike, looked up straight from a line's bytes (a
/// hash of the name as it would be normalized, then a compare in place; nothing is allocated per lookup). The JSON
/// keys logonym reads and the address vocabulary are two such tables.
struct NormalizedNames<Value: Sendable>: Sendable {
    private let entries: [UInt64: [(name: [UInt8], value: Value)]]

    /// - Parameter names: names in lower case with `_` (as normalized), and their values.
    init(_ names: [(String, Value)]) {
        var entries: [UInt64: [(name: [UInt8], value: Value)]] = [:]
        for (name, value) in names {
            let bytes = Array(name.utf8)
            let hash = bytes.withUnsafeBufferPointer { NormalizedName.hash($0, 0..<$0.count) }
            entries[hash, default: []].append((bytes, value))
        }
        self.entries = entries
    }

    /// The value of the name `b[range]`, if the table has it.
    @inline(__always)
    func value(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Value? {
        guard let candidates = entries[NormalizedName.hash(b, range)] else { return nil }
        return candidates.first { NormalizedName.equals(b, range, $0.name) }?.value
    }
}

/// Names in lower case with `-` as `_`, hashed and compared straight from a line's bytes.
enum NormalizedName {
    /// FNV-1a of a name in lower case with `-` as `_`.
    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in range {
            var c = b[i]
            if c == UInt8(ascii: "-") { c = UInt8(ascii: "_") } else if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            hash = (hash ^ UInt64(c)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Whether the bytes, normalized, are `normalized`.
    @inline(__always)
    static func equals(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ normalized: [UInt8]) -> Bool {
        guard range.count == normalized.count else { return false }
        var k = 0
        for i in range {
            var c = b[i]
            if c == UInt8(ascii: "-") { c = UInt8(ascii: "_") } else if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            guard c == normalized[k] else { return false }
            k += 1
        }
        return true
    }
}
