import COpenSSL

/// The `cryptopan` method: prefix-preserving pseudonyms (../shared/cryptopan.md), IPv4 and IPv6.
///
/// All `n` AES blocks of one address are built up front and encrypted in a single ECB call.
public final class CryptoPAn {
    private let context: OpaquePointer
    private let pad: [UInt8]
    private var blocks = [UInt8](repeating: 0, count: 128 * 16)
    private var encrypted = [UInt8](repeating: 0, count: 128 * 16)

    /// Sets up the cipher: `K = key[0..<16]`, pad `P = AES_K(key[16..<32])`.
    public init(key: PseudonymKey) {
        guard let context = key.bytes.withUnsafeBufferPointer({ logonym_aes128_ecb_new($0.baseAddress) }) else {
            preconditionFailure("cannot create an AES-128-ECB context in libcrypto")
        }
        self.context = context
        var pad = [UInt8](repeating: 0, count: 16)
        let seed = Array(key.bytes[16..<32])
        let ok = seed.withUnsafeBufferPointer { s in
            pad.withUnsafeMutableBufferPointer { p in
                logonym_aes128_ecb_encrypt(context, s.baseAddress, p.baseAddress, 16)
            }
        }
        precondition(ok == 1, "AES-128-ECB failed in libcrypto")
        self.pad = pad
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// The pseudonym of a canonical address.
    public func pseudonym(for address: IPAddress) -> IPAddress {
        switch address {
        case .v4(let value):
            let (hi, _) = oneTimePad(hi: UInt64(value) << 32, lo: 0, bits: 32)
            return .v4(value ^ UInt32(truncatingIfNeeded: hi >> 32))
        case .v6(let hi, let lo):
            let (padHi, padLo) = oneTimePad(hi: hi, lo: lo, bits: 128)
            return .v6(hi ^ padHi, lo ^ padLo)
        }
    }

    /// The bits `f_0 … f_{n-1}` (most significant first) for the 128-bit block `A`.
    private func oneTimePad(hi: UInt64, lo: UInt64, bits n: Int) -> (UInt64, UInt64) {
        let padHi = pad[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let padLo = pad[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        blocks.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                let (maskHi, maskLo) = Truncation.v6Mask(i)
                let blockHi = (hi & maskHi) | (padHi & ~maskHi)
                let blockLo = (lo & maskLo) | (padLo & ~maskLo)
                for b in 0..<8 {
                    out[i * 16 + b] = UInt8(truncatingIfNeeded: blockHi >> (56 - 8 * UInt64(b)))
                    out[i * 16 + 8 + b] = UInt8(truncatingIfNeeded: blockLo >> (56 - 8 * UInt64(b)))
                }
            }
        }
        let ok = blocks.withUnsafeBufferPointer { input in
            encrypted.withUnsafeMutableBufferPointer { output in
                logonym_aes128_ecb_encrypt(context, input.baseAddress, output.baseAddress, Int32(n * 16))
            }
        }
        precondition(ok == 1, "AES-128-ECB failed in libcrypto")
        var resultHi: UInt64 = 0
        var resultLo: UInt64 = 0
        for i in 0..<n {
            let bit = UInt64(encrypted[i * 16] >> 7)
            if i < 64 { resultHi |= bit << UInt64(63 - i) } else { resultLo |= bit << UInt64(127 - i) }
        }
        return (resultHi, resultLo)
    }
}

@available(*, unavailable)
extension CryptoPAn: Sendable {}
