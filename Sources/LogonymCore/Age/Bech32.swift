/// Bech32 (BIP 173, the original checksum, not Bech32m) without the 90-character limit, as age encodes its keys:
/// `age1...` recipients and `AGE-SECRET-KEY-1...` identities.
enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in charset.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 { check ^= generator[bit] }
        }
        return check
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits: 8 to 5 (with zero padding) or 5 to 8 (refusing more than 4 padding bits, or padding that
    /// is not zero).
    static func convert(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var out: [UInt8] = []
        let mask = (1 << to) - 1
        for value in data {
            accumulator = accumulator << from | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8(accumulator >> bits & mask))
            }
            accumulator &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { out.append(UInt8(accumulator << (to - bits) & mask)) }
        } else if bits >= from || accumulator != 0 {
            return nil
        }
        return out
    }

    /// Encodes `data` under the human-readable part `hrp` (lowercase), in lowercase or uppercase.
    static func encode(hrp: String, data: [UInt8], uppercase: Bool) -> String {
        let hrpBytes = Array(hrp.lowercased().utf8)
        let groups = convert(data, from: 8, to: 5, pad: true)!
        let check = polymod(expand(hrpBytes) + groups + [0, 0, 0, 0, 0, 0]) ^ 1
        var out = hrpBytes + [0x31] + groups.map { charset[Int($0)] }
        for index in 0..<6 { out.append(charset[Int(check >> UInt32(5 * (5 - index)) & 31)]) }
        let text = String(decoding: out, as: UTF8.self)
        return uppercase ? text.uppercased() : text
    }

    /// Decodes a Bech32 string: its human-readable part (lowercased), whether it was written in uppercase, and
    /// its data. `nil` for mixed case, a bad character or checksum, or bits that do not regroup into bytes.
    static func decode(_ text: String) -> (hrp: String, uppercase: Bool, data: [UInt8])? {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { return nil }
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7A }
        let hasUpper = bytes.contains { $0 >= 0x41 && $0 <= 0x5A }
        guard !(hasLower && hasUpper) else { return nil }
        let lower = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: 0x31), separator >= 1, lower.count - separator - 1 >= 6 else {
            return nil
        }
        let hrp = Array(lower[..<separator])
        var groups: [UInt8] = []
        for character in lower[(separator + 1)...] {
            guard character < 128, values[Int(character)] >= 0 else { return nil }
            groups.append(UInt8(values[Int(character)]))
        }
        guard polymod(expand(hrp) + groups) == 1,
            let data = convert(Array(groups.dropLast(6)), from: 5, to: 8, pad: false)
        else { return nil }
        return (String(decoding: hrp, as: UTF8.self), hasUpper, data)
    }
}
