/// The `truncate` method: keep the first bits of an address and zero the rest.
public enum Truncation: Sendable {
    /// Truncates a canonical address.
    ///
    /// For IPv6 addresses that embed an IPv4 address which the IPv6 prefix would leak, the IPv4 prefix is applied
    /// to the embedded address as well: 6to4 (`2002::/16`, IPv4 in bits 16–47) and NAT64 (`64:ff9b::/96`,
    /// IPv4 in the last 32 bits).
    @inlinable
    public static func apply(_ address: IPAddress, prefixes: TruncationPrefixes) -> IPAddress {
        switch address {
        case .v4(let value):
            return .v4(value & v4Mask(prefixes.ipv4))
        case .v6(let hi, let lo):
            let (maskHi, maskLo) = v6Mask(prefixes.ipv6)
            var newHi = hi & maskHi
            var newLo = lo & maskLo
            let embeddedMask = UInt64(v4Mask(prefixes.ipv4))
            if hi >> 48 == 0x2002 {
                // bits 16..47 hold the IPv4 address
                newHi &= ~(UInt64(0xFFFF_FFFF) << 16) | (embeddedMask << 16)
            } else if hi == 0x0064_FF9B_0000_0000 && lo >> 32 == 0 {
                newLo &= embeddedMask
            }
            return .v6(newHi, newLo)
        }
    }

    @inlinable
    static func v4Mask(_ bits: Int) -> UInt32 {
        bits == 0 ? 0 : UInt32.max << UInt32(32 - bits)
    }

    @inlinable
    static func v6Mask(_ bits: Int) -> (UInt64, UInt64) {
        switch bits {
        case 0: (0, 0)
        case 1..<64: (UInt64.max << UInt64(64 - bits), 0)
        case 64: (UInt64.max, 0)
        case 65..<128: (UInt64.max, UInt64.max << UInt64(128 - bits))
        default: (UInt64.max, UInt64.max)
        }
    }
}
