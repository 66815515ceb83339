import Crypto

/// The payload's STREAM construction (age-encryption.org/v1, "Payload"): 64 KiB chunks, each sealed with
/// ChaCha20-Poly1305 under the payload key and a nonce of an 11-byte big-endian counter and a final-chunk flag.
enum AgePayload {
    static let chunkSize = 64 << 10
    static let tagSize = 16
    static let nonceSize = 16

    /// HKDF-SHA-256 of the file key with the payload nonce as salt.
    static func key(fileKey: SymmetricKey, nonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: fileKey,
            salt: nonce,
            info: Array("payload".utf8),
            outputByteCount: 32
        )
    }

    /// The HMAC key of the header.
    static func headerKey(fileKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: fileKey,
            salt: [UInt8](),
            info: Array("header".utf8),
            outputByteCount: 32
        )
    }

    /// The nonce of chunk `counter`.
    static func chunkNonce(_ counter: UInt64, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { bytes[3 + index] = UInt8(truncatingIfNeeded: counter >> UInt64(8 * (7 - index))) }
        bytes[11] = last ? 1 : 0
        // Twelve bytes is the one length ChaChaPoly.Nonce accepts.
        return try! ChaChaPoly.Nonce(data: bytes)
    }
}
