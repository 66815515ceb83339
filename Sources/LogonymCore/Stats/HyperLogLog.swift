import Glibc

/// A HyperLogLog sketch of distinct 64-bit hashes, with linear counting for small cardinalities. Precision 16
/// (65,536 one-byte registers, standard error 0.41%) for distinct clients per window; precision 10 (1 KiB) for
/// the clients of one geo bucket, where only "at least k" matters and linear counting is nearly exact. Sketches
/// of the same precision merge by taking each register's maximum, so distinct clients add up across inputs,
/// windows and nodes without double counting.
public struct HyperLogLog: Sendable, Equatable {
    public static let clientsPrecision = 16
    public static let bucketPrecision = 10
    public let precision: Int
    /// One byte per register: the longest run of leading zeros seen, plus one.
    public private(set) var registers: [UInt8]

    public init(precision: Int) {
        precondition((4...18).contains(precision), "HyperLogLog precision out of range")
        self.precision = precision
        registers = [UInt8](repeating: 0, count: 1 << precision)
    }

    /// A sketch from stored registers (the precision follows from their count); `nil` if it is not a power of two.
    public init?(registers: [UInt8]) {
        let precision = registers.count.trailingZeroBitCount
        guard registers.count == 1 << precision, (4...18).contains(precision) else { return nil }
        self.precision = precision
        self.registers = registers
    }

    /// Adds one hash.
    public mutating func add(_ hash: UInt64) {
        let index = Int(hash >> UInt64(64 - precision))
        let rest = hash << UInt64(precision) | (1 << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if registers[index] < rank { registers[index] = rank }
    }

    /// Adds every hash of another sketch of the same precision.
    public mutating func merge(_ other: HyperLogLog) {
        precondition(other.precision == precision, "sketches of different precision")
        for i in registers.indices where other.registers[i] > registers[i] { registers[i] = other.registers[i] }
    }

    public var isEmpty: Bool { !registers.contains { $0 != 0 } }

    /// The estimated number of distinct hashes added.
    public var estimate: Int {
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1.0 / Double(UInt64(1) << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m && zeros > 0 {
            return Int((m * log(m / Double(zeros))).rounded(.down))
        }
        return Int(raw.rounded())
    }
}

/// A set of distinct clients that merges and counts: exact hash sets in a run, sketches in the state database.
public protocol ClientSet: Sendable {
    init()
    mutating func formUnion(with other: Self)
    var clientCount: Int { get }
}

extension Set<UInt64>: ClientSet {
    public mutating func formUnion(with other: Set<UInt64>) { formUnion(other) }
    public var clientCount: Int { count }
}

/// The distinct clients of one geo bucket: the exact hashes while there are few (so "at least k" is decided
/// exactly for any sensible k), a small HyperLogLog sketch beyond.
public struct BucketClients: ClientSet, Equatable {
    /// Up to this many hashes are kept exactly.
    public static let exactLimit = 256
    private var exact: Set<UInt64>?
    private var sketch: HyperLogLog?

    public init() {
        exact = []
    }

    public init(_ hashes: Set<UInt64>) {
        exact = []
        for hash in hashes { add(hash) }
    }

    public mutating func add(_ hash: UInt64) {
        if exact != nil {
            exact!.insert(hash)
            if exact!.count > Self.exactLimit { toSketch() }
        } else {
            sketch!.add(hash)
        }
    }

    private mutating func toSketch() {
        var made = HyperLogLog(precision: HyperLogLog.bucketPrecision)
        for hash in exact ?? [] { made.add(hash) }
        sketch = made
        exact = nil
    }

    public mutating func formUnion(with other: BucketClients) {
        if let hashes = other.exact {
            for hash in hashes { add(hash) }
        } else if let otherSketch = other.sketch {
            if exact != nil { toSketch() }
            sketch!.merge(otherSketch)
        }
    }

    public var clientCount: Int { exact?.count ?? sketch?.estimate ?? 0 }

    /// Stored form: `E` and the hashes (8 bytes each, big-endian), or `H` and the sketch's registers.
    public var encoded: [UInt8] {
        if let exact {
            var bytes: [UInt8] = [UInt8(ascii: "E")]
            for hash in exact.sorted() { bytes += (0..<8).map { UInt8(truncatingIfNeeded: hash >> (56 - 8 * $0)) } }
            return bytes
        }
        return [UInt8(ascii: "H")] + (sketch?.registers ?? [])
    }

    public init?(encoded: [UInt8]) {
        guard let kind = encoded.first else { return nil }
        let body = encoded.dropFirst()
        if kind == UInt8(ascii: "E"), body.count % 8 == 0 {
            var hashes = Set<UInt64>()
            var i = body.startIndex
            while i < body.endIndex {
                hashes.insert(body[i..<(i + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
                i += 8
            }
            exact = hashes
        } else if kind == UInt8(ascii: "H"), let registers = HyperLogLog(registers: Array(body)) {
            sketch = registers
        } else {
            return nil
        }
    }
}
