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
            let hash = bytes.withUnsafeBufferPointer { Scrubber.nameHash($0, 0..<$0.count) }
            entries[hash, default: []].append((bytes, value))
        }
        self.entries = entries
    }

    /// The value of the name `b[range]`, if the table has it.
    @inline(__always)
    func value(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Value? {
        guard let candidates = entries[Scrubber.nameHash(b, range)] else { return nil }
        return candidates.first { Scrubber.equalsNormalized(b, range, $0.name) }?.value
    }
}
