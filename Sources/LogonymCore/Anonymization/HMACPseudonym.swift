import COpenSSL

/// The `hmac` method, construction v1 (../shared/pseudonyms.md).
///
/// `T = HMAC-SHA256(K, "logonym-ip-hmac-v1" || fam || addr)`; IPv4 becomes `0xF0000000 | (T[0..4] >> 5)`
/// (in `240.0.0.0/5`), IPv6 becomes `2001:db8::/32` followed by `T[0..12]`.
public struct HMACPseudonym: Sendable {
    let key: PseudonymKey

    public init(key: PseudonymKey) {
        self.key = key
    }

    /// The full 32-byte HMAC for a canonical address.
    public func tag(for address: IPAddress) -> [UInt8] {
        var message: [UInt8] = Array("logonym-ip-hmac-v1".utf8)
        message.append(address.familyByte)
        message.append(contentsOf: address.bytes)
        return Self.hmacSHA256(key: key.bytes, message: message)
    }

    /// The pseudonym of a canonical address.
    public func pseudonym(for address: IPAddress) -> IPAddress {
        let t = tag(for: address)
        switch address {
        case .v4:
            let head = UInt32(t[0]) << 24 | UInt32(t[1]) << 16 | UInt32(t[2]) << 8 | UInt32(t[3])
            return .v4(0xF000_0000 | (head >> 5))
        case .v6:
            let hi =
                UInt64(0x2001_0DB8) << 32 | UInt64(t[0]) << 24 | UInt64(t[1]) << 16 | UInt64(t[2]) << 8 | UInt64(t[3])
            let lo = t[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .v6(hi, lo)
        }
    }

    /// A keyed token for a value that should have been an address but is not (a hostname, garbage): `x-` and 16
    /// hex digits, so the original cannot be read back but equal values stay equal within a key.
    public func token(for value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var message: [UInt8] = Array("logonym-token-v1".utf8)
        message.append(contentsOf: value)
        let t = Self.hmacSHA256(key: key.bytes, message: message)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "x"), UInt8(ascii: "-")]
        for byte in t.prefix(8) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return out
    }

    /// HMAC-SHA256 through libcrypto.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    logonym_hmac_sha256(k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress)
                }
            }
        }
        precondition(ok == 1, "HMAC-SHA256 failed in libcrypto")
        return out
    }
}
