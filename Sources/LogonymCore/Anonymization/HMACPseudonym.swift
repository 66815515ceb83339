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
        withTag(for: address) { Array($0) }
    }

    /// The pseudonym of a canonical address.
    public func pseudonym(for address: IPAddress) -> IPAddress {
        withTag(for: address) { t in
            switch address {
            case .v4:
                let head = UInt32(t[0]) << 24 | UInt32(t[1]) << 16 | UInt32(t[2]) << 8 | UInt32(t[3])
                return .v4(0xF000_0000 | (head >> 5))
            case .v6:
                let hi =
                    UInt64(0x2001_0DB8) << 32 | UInt64(t[0]) << 24 | UInt64(t[1]) << 16 | UInt64(t[2]) << 8
                    | UInt64(t[3])
                let lo = t[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return .v6(hi, lo)
            }
        }
    }

    /// Computes `T` in stack memory: the message is `"logonym-ip-hmac-v1" || fam || addr` (at most 35 bytes).
    private func withTag<R>(for address: IPAddress, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let domain: StaticString = "logonym-ip-hmac-v1"
        // 48 bytes for the message, then the 32-byte tag.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48 + 32) { scratch in
            let message = scratch.baseAddress!
            message.update(from: domain.utf8Start, count: domain.utf8CodeUnitCount)
            var length = domain.utf8CodeUnitCount
            message[length] = address.familyByte
            length += 1
            switch address {
            case .v4(let value):
                for i in 0..<4 { message[length + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
                length += 4
            case .v6(let hi, let lo):
                for i in 0..<8 {
                    message[length + i] = UInt8(truncatingIfNeeded: hi >> (56 - 8 * UInt64(i)))
                    message[length + 8 + i] = UInt8(truncatingIfNeeded: lo >> (56 - 8 * UInt64(i)))
                }
                length += 16
            }
            let out = message + 48
            let ok = key.bytes.withUnsafeBufferPointer { k in
                logonym_hmac_sha256(k.baseAddress, Int32(k.count), message, length, out)
            }
            precondition(ok == 1, "HMAC-SHA256 failed in libcrypto")
            return body(UnsafeBufferPointer(start: out, count: 32))
        }
    }

    /// A keyed token for a value that should have been an address but is not (a hostname, garbage): `x-` and 16
    /// hex digits, so the original cannot be read back but equal values stay equal within a key.
    public func token(for value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        token(for: value, domain: "logonym-token-v1", prefix: UInt8(ascii: "x"))
    }

    /// A keyed token of a remote user name (`u-` and 16 hex digits), under its own domain so that it never equals
    /// an address token.
    public func userToken(for value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        token(for: value, domain: "logonym-user-v1", prefix: UInt8(ascii: "u"))
    }

    private func token(for value: UnsafeBufferPointer<UInt8>, domain: String, prefix: UInt8) -> [UInt8] {
        var message: [UInt8] = Array(domain.utf8)
        message.append(contentsOf: value)
        let t = Self.hmacSHA256(key: key.bytes, message: message)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [prefix, UInt8(ascii: "-")]
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
