/// An IPv4 or IPv6 address in its canonical value.
///
/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) **is** the IPv4 address `a.b.c.d` for every method; the parser
/// records the mapped spelling separately (see ``AddressField``) so that it can be written back as it came.
public enum IPAddress: Hashable, Sendable {
    /// An IPv4 address, most significant byte first.
    case v4(UInt32)
    /// An IPv6 address as two 64-bit halves, most significant first.
    case v6(UInt64, UInt64)

    /// The address family's byte (`0x04` or `0x06`), as used by the hmac construction.
    public var familyByte: UInt8 {
        switch self {
        case .v4: 0x04
        case .v6: 0x06
        }
    }

    /// The number of bits in the address: 32 or 128.
    public var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        }
    }

    /// Builds an address from 4 or 16 network-order bytes.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let hi = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let lo = bytes.dropFirst(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(hi, lo)
        default:
            return nil
        }
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:0:0/96`), if this is one.
    @inlinable
    public var mappedIPv4: UInt32? {
        guard case .v6(let hi, let lo) = self, hi == 0, lo >> 32 == 0xFFFF else { return nil }
        return UInt32(truncatingIfNeeded: lo)
    }

    /// Replaces an IPv4-mapped IPv6 address with its IPv4 address; every other address is returned unchanged.
    @inlinable
    public var canonical: IPAddress {
        if let v4 = mappedIPv4 { return .v4(v4) }
        return self
    }

    /// Whether this is a private, loopback, link-local or otherwise non-public address.
    public var isPrivateUse: Bool {
        switch self.canonical {
        case .v4(let a):
            let b0 = a >> 24
            return b0 == 10 || b0 == 127 || b0 == 0 || (a >> 20) == 0xAC1 || (a >> 16) == 0xC0A8
                || (a >> 16) == 0xA9FE || (a >> 22) == (100 << 2 | 1)
        case .v6(let hi, let lo):
            let top16 = hi >> 48
            return (hi == 0 && (lo == 1 || lo == 0)) || (top16 & 0xFE00) == 0xFC00 || (top16 & 0xFFC0) == 0xFE80
        }
    }
}

extension IPAddress: CustomStringConvertible {
    /// The address as text: a dotted quad, or RFC 5952 IPv6.
    public var description: String {
        var out: [UInt8] = []
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses an address from text; `nil` if the text is not exactly one address.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            IPAddress.parse(buffer, from: 0, to: buffer.count)
        }
        guard let parsed else { return nil }
        self = parsed
    }
}
