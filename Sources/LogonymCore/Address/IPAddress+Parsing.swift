extension IPAddress {
    /// Parses exactly the bytes `start..<end` as an IPv4 dotted quad or an IPv6 address in any RFC 4291 spelling.
    ///
    /// A dotted quad with a leading zero in any part (`010.1.2.3`) is not an address. The result is not made
    /// canonical: `::ffff:a.b.c.d` comes back as `.v6`.
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> IPAddress? {
        guard start < end, end - start <= 45 else { return nil }
        var i = start
        while i < end {
            let c = bytes[i]
            if c == UInt8(ascii: ":") { return parseV6(bytes, from: start, to: end) }
            if c == UInt8(ascii: ".") { break }
            i &+= 1
        }
        if let v4 = parseV4(bytes, from: start, to: end) { return .v4(v4) }
        return nil
    }

    /// Parses exactly `start..<end` as a dotted quad without leading zeros.
    @inlinable
    public static func parseV4(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        var leadingZero = false
        var i = start
        while i < end {
            let c = bytes[i]
            if c >= 0x30 && c <= 0x39 {
                if digits == 0 { leadingZero = c == 0x30 } else if leadingZero { return nil }
                part = part &* 10 &+ UInt32(c &- 0x30)
                digits &+= 1
                if digits > 3 || part > 255 { return nil }
            } else if c == UInt8(ascii: ".") {
                if digits == 0 || parts == 3 { return nil }
                value = value << 8 | part
                parts &+= 1
                part = 0
                digits = 0
            } else {
                return nil
            }
            i &+= 1
        }
        if digits == 0 || parts != 3 { return nil }
        return value << 8 | part
    }

    /// Parses exactly `start..<end` as an IPv6 address (no zone, no brackets).
    @inlinable
    public static func parseV6(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> IPAddress? {
        // Up to 8 groups; `gap` is the index at which "::" stands, if any.
        var groups: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var gap = -1
        var i = start
        if end - start >= 2 && bytes[start] == UInt8(ascii: ":") {
            guard bytes[start + 1] == UInt8(ascii: ":") else { return nil }
            gap = 0
            i = start + 2
            if i == end { return .v6(0, 0) }
        }
        while i < end {
            // One group, or an embedded dotted quad as the last 32 bits.
            var value: UInt32 = 0
            var digits = 0
            let groupStart = i
            while i < end, let h = hexValue(bytes[i]) {
                value = value << 4 | UInt32(h)
                digits &+= 1
                i &+= 1
                if digits > 4 { break }
            }
            if i < end && bytes[i] == UInt8(ascii: ".") {
                guard count <= 6, let v4 = parseV4(bytes, from: groupStart, to: end) else { return nil }
                withUnsafeMutableBytes(of: &groups) { raw in
                    raw.storeBytes(of: UInt16(truncatingIfNeeded: v4 >> 16), toByteOffset: count * 2, as: UInt16.self)
                    raw.storeBytes(of: UInt16(truncatingIfNeeded: v4), toByteOffset: count * 2 + 2, as: UInt16.self)
                }
                count &+= 2
                i = end
                break
            }
            guard digits > 0, digits <= 4, count < 8 else { return nil }
            withUnsafeMutableBytes(of: &groups) { raw in
                raw.storeBytes(of: UInt16(value), toByteOffset: count * 2, as: UInt16.self)
            }
            count &+= 1
            if i == end { break }
            guard bytes[i] == UInt8(ascii: ":") else { return nil }
            i &+= 1
            if i < end && bytes[i] == UInt8(ascii: ":") {
                guard gap < 0 else { return nil }
                gap = count
                i &+= 1
                if i == end { break }
            } else if i == end {
                return nil  // a trailing single colon
            }
        }
        if gap < 0 {
            guard count == 8 else { return nil }
        } else {
            guard count < 8 else { return nil }
        }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        withUnsafeBytes(of: groups) { raw in
            let fill = gap < 0 ? 0 : 8 - count
            var position = 0
            for index in 0..<count {
                if index == gap { position &+= fill }
                let g = UInt64(raw.load(fromByteOffset: index * 2, as: UInt16.self))
                if position < 4 {
                    hi |= g << (48 - 16 * UInt64(position))
                } else {
                    lo |= g << (48 - 16 * UInt64(position - 4))
                }
                position &+= 1
            }
        }
        return .v6(hi, lo)
    }

    @inlinable
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c &- 0x30
        case 0x61...0x66: c &- 0x57
        case 0x41...0x46: c &- 0x37
        default: nil
        }
    }
}
