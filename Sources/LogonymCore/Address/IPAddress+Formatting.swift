extension IPAddress {
    /// Appends the address as text: IPv4 as a dotted quad, IPv6 in RFC 5952 form (lower case, the longest run of
    /// two or more zero groups compressed).
    ///
    /// - Parameters:
    ///   - out: the buffer to append to.
    ///   - mappedForm: write an IPv4 address as `::ffff:a.b.c.d` (for inputs that were written that way).
    @inlinable
    public func write(into out: inout [UInt8], mappedForm: Bool = false) {
        switch self {
        case .v4(let value):
            if mappedForm { out.append(contentsOf: [0x3A, 0x3A, 0x66, 0x66, 0x66, 0x66, 0x3A]) }
            Self.writeV4(value, into: &out)
        case .v6(let hi, let lo):
            if hi == 0 && lo >> 32 == 0xFFFF {
                out.append(contentsOf: [0x3A, 0x3A, 0x66, 0x66, 0x66, 0x66, 0x3A])
                Self.writeV4(UInt32(truncatingIfNeeded: lo), into: &out)
                return
            }
            Self.writeV6(hi, lo, into: &out)
        }
    }

    @inlinable
    static func writeV4(_ value: UInt32, into out: inout [UInt8]) {
        for index in 0..<4 {
            let part = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(index)))
            if index > 0 { out.append(UInt8(ascii: ".")) }
            if part >= 100 {
                out.append(0x30 &+ part / 100)
                out.append(0x30 &+ (part / 10) % 10)
            } else if part >= 10 {
                out.append(0x30 &+ part / 10)
            }
            out.append(0x30 &+ part % 10)
        }
    }

    @usableFromInline
    static func writeV6(_ hi: UInt64, _ lo: UInt64, into out: inout [UInt8]) {
        var groups = [UInt16](repeating: 0, count: 8)
        for index in 0..<4 {
            groups[index] = UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64(index)))
            groups[index + 4] = UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64(index)))
        }
        // The longest run of zero groups, two or more long; the first one wins a tie.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        let hexDigits: StaticString = "0123456789abcdef"
        index = 0
        while index < 8 {
            if index == bestStart {
                out.append(UInt8(ascii: ":"))
                if index == 0 { out.append(UInt8(ascii: ":")) }
                index += bestLength
                if index == 8 { break }
                continue
            }
            let g = groups[index]
            var shift = 12
            while shift > 0 && (g >> UInt16(shift)) == 0 { shift -= 4 }
            while shift >= 0 {
                out.append(hexDigits.utf8Start[Int((g >> UInt16(shift)) & 0xF)])
                shift -= 4
            }
            if index < 7 { out.append(UInt8(ascii: ":")) }
            index += 1
        }
    }
}
