import Crypto

/// The X25519 recipient type (age-encryption.org/v1, "The X25519 recipient type"): the file key wrapped with
/// ChaCha20-Poly1305 under HKDF-SHA-256 of an ephemeral X25519 shared secret.
enum AgeX25519 {
    static let type = Array("X25519".utf8)
    static let info = Array("age-encryption.org/v1/X25519".utf8)

    /// A new stanza wrapping `fileKey` for `recipient` (a new ephemeral key each time).
    static func wrap(_ fileKey: SymmetricKey, for recipient: AgeRecipient) throws -> AgeHeader.Stanza {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        let secret = try ephemeral.sharedSecretFromKeyAgreement(with: recipient.publicKey)
        precondition(secret.withUnsafeBytes { $0.contains { $0 != 0 } }, "a low-order recipient (refused when parsed)")
        let wrapKey = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self,
            salt: share + recipient.rawBytes,
            sharedInfo: info,
            outputByteCount: 32
        )
        let box = try ChaChaPoly.seal(
            fileKey.withUnsafeBytes { Array($0) },
            using: wrapKey,
            nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))
        )
        return AgeHeader.Stanza(arguments: [type, AgeBase64.encode(share)], body: Array(box.ciphertext + box.tag))
    }

    /// The file key in `stanza` if it is an X25519 stanza for `identity`; `nil` if it is not for this identity
    /// (another type, or it does not open). Throws for an X25519 stanza that breaks the rules: other than two
    /// arguments, a share that is not canonical base64 of 32 bytes, a body that is not 32 bytes, or a share that
    /// gives the all-zero shared secret.
    static func unwrap(_ stanza: AgeHeader.Stanza, with identity: AgeIdentity) throws(AgeError) -> SymmetricKey? {
        guard stanza.arguments.first == type else { return nil }
        guard stanza.arguments.count == 2 else {
            throw AgeError(
                .header,
                "an X25519 stanza of the age header has \(stanza.arguments.count - 1) arguments, not 1"
            )
        }
        guard let share = AgeBase64.decode(stanza.arguments[1]), share.count == 32 else {
            throw AgeError(.header, "an X25519 stanza's share is not canonical base64 of 32 bytes")
        }
        // Checked before any decryption: a body of another length never reaches ChaCha20-Poly1305.
        guard stanza.body.count == 32 else {
            throw AgeError(.header, "an X25519 stanza's body is \(stanza.body.count) bytes, not 32")
        }
        let secret: SharedSecret
        do {
            let publicKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: share)
            secret = try identity.privateKey.sharedSecretFromKeyAgreement(with: publicKey)
        } catch {
            // BoringSSL refuses a share whose shared secret is all zeros (a low-order point).
            throw AgeError(.header, "an X25519 stanza's share is a low-order point")
        }
        guard secret.withUnsafeBytes({ $0.contains { $0 != 0 } }) else {
            throw AgeError(.header, "an X25519 stanza's share is a low-order point")
        }
        let wrapKey = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self,
            salt: share + identity.recipient.rawBytes,
            sharedInfo: info,
            outputByteCount: 32
        )
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                ciphertext: stanza.body.prefix(16),
                tag: stanza.body.suffix(16)
            )
            return SymmetricKey(data: try ChaChaPoly.open(box, using: wrapKey))
        } catch {
            return nil
        }
    }
}
