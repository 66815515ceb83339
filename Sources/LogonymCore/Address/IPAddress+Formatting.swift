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
        // Format into a small stack buffer, then append once.
        var text: (UInt64, UInt64) = (0, 0)
        let length = withUnsafeMutableBytes(of: &text) { raw -> Int in
            var n = 0
            for index in 0..<4 {
                let part = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(index)))
                if index > 0 {
                    raw[n] = UInt8(ascii: ".")
                    n &+= 1
                }
                if part >= 100 {
                    raw[n] = 0x30 &+ part / 100
                    raw[n &+ 1] = 0x30 &+ (part / 10) % 10
                    n &+= 2
                } else if part >= 10 {
                    raw[n] = 0x30 &+ part / 10
                    n &+= 1
                }
                raw[n] = 0x30 &+ part % 10
                n &+= 1
            }
            return n
        }
        withUnsafeBytes(of: &text) { raw in
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<length]))
        }
    }

    @usableFromInline
    static func writeV6(_ hi: UInt64, _ lo: UInt64, into out: inout [UInt8]) {
        @inline(__always) func group(_ index: Int) -> UInt16 {
            index < 4
                ? UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64(index)))
                : UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64(index - 4)))
        }
        // The longest run of zero groups, two or more long; the first one wins a tie.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if group(index) == 0 {
                var end = index
                while end < 8 && group(end) == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let length = withUnsafeMutableBytes(of: &text) { raw -> Int in
            var n = 0
            let hexDigits: StaticString = "0123456789abcdef"
            index = 0
            while index < 8 {
                if index == bestStart {
                    raw[n] = UInt8(ascii: ":")
                    n += 1
                    if index == 0 {
                        raw[n] = UInt8(ascii: ":")
                        n += 1
                    }
                    index += bestLength
                    if index == 8 { break }
                    continue
                }
                let g = group(index)
                var shift = 12
                while shift > 0 && (g >> UInt16(shift)) == 0 { shift -= 4 }
                while shift >= 0 {
                    raw[n] = hexDigits.utf8Start[Int((g >> UInt16(shift)) & 0xF)]
                    n += 1
                    shift -= 4
                }
                if index < 7 {
                    raw[n] = UInt8(ascii: ":")
                    n += 1
                }
                index += 1
            }
            return n
        }
        withUnsafeBytes(of: &text) { raw in
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<length]))
        }
    }
}
