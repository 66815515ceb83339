#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A HyperLogLog sketch of distinct 64-bit hashes (precision 16: 65,536 one-byte registers, standard error
/// 0.41%), with linear counting for small cardinalities. Sketches of the same precision merge by taking each
/// register's maximum, so distinct clients add up across inputs, windows and nodes without double counting.
public struct HyperLogLog: Sendable, Equatable {
    public static let precision = 16
    public static let registerCount = 1 << precision
    /// One byte per register: the longest run of leading zeros seen, plus one.
    public private(set) var registers: [UInt8]

    public init() {
        registers = [UInt8](repeating: 0, count: Self.registerCount)
    }

    /// A sketch from stored registers; `nil` if the size is wrong.
    public init?(registers: [UInt8]) {
        guard registers.count == Self.registerCount else { return nil }
        self.registers = registers
    }

    /// Adds one hash.
    public mutating func add(_ hash: UInt64) {
        let index = Int(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision) | (1 << UInt64(Self.precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if registers[index] < rank { registers[index] = rank }
    }

    /// Adds every hash of another sketch.
    public mutating func merge(_ other: HyperLogLog) {
        for i in 0..<Self.registerCount where other.registers[i] > registers[i] { registers[i] = other.registers[i] }
    }

    public var isEmpty: Bool { !registers.contains { $0 != 0 } }

    /// The estimated number of distinct hashes added.
    public var estimate: Int {
        let m = Double(Self.registerCount)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1.0 / Double(UInt64(1) << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m && zeros > 0 {
            return Int((m * log(m / Double(zeros))).rounded())
        }
        return Int(raw.rounded())
    }
}
