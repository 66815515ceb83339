import Crypto

/// An age X25519 identity (private key), `AGE-SECRET-KEY-1...`.
///
/// Its description never shows the key: only its recipient.
public struct AgeIdentity: Sendable, CustomStringConvertible {
    /// The 32 secret bytes (kept as bytes: swift-crypto's key types are not `Sendable`).
    private let secret: [UInt8]

    var privateKey: Curve25519.KeyAgreement.PrivateKey {
        // 32 bytes is the one length the initializer refuses nothing of.
        try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret)
    }

    /// A new random identity.
    public init() {
        secret = Array(Curve25519.KeyAgreement.PrivateKey().rawRepresentation)
    }

    /// The identity of 32 secret bytes.
    public init?(rawBytes: [UInt8]) {
        guard rawBytes.count == 32 else { return nil }
        secret = rawBytes
    }

    /// Parses `AGE-SECRET-KEY-1...` (uppercase, as age writes it).
    public init(parsing text: String) throws(AgeError) {
        guard let decoded = Bech32.decode(text), decoded.hrp == "age-secret-key-", decoded.uppercase,
            let identity = AgeIdentity(rawBytes: decoded.data)
        else {
            throw AgeError(.invalidKey, "not an age X25519 identity (AGE-SECRET-KEY-1... with a valid checksum)")
        }
        self = identity
    }

    /// The identities in an age identity file's text: one `AGE-SECRET-KEY-1...` a line; empty lines and lines
    /// starting with `#` are skipped; anything else is refused (with its line number, never its text).
    public static func parseFile(_ text: String) throws(AgeError) -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line[...]
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                identities.append(try AgeIdentity(parsing: String(trimmed)))
            } catch {
                throw AgeError(.invalidKey, "line \(number) is not an age X25519 identity (AGE-SECRET-KEY-1...)")
            }
        }
        guard !identities.isEmpty else { throw AgeError(.invalidKey, "holds no age identity") }
        return identities
    }

    /// The `AGE-SECRET-KEY-1...` text. Handle with care: it is the key.
    public var secretText: String {
        Bech32.encode(hrp: "age-secret-key-", data: secret, uppercase: true)
    }

    /// The identity in age's identity file format (as `age-keygen` writes it).
    public func fileText(created: String) -> String {
        "# created: \(created)\n# public key: \(recipient)\n\(secretText)\n"
    }

    /// The recipient that files for this identity are encrypted to.
    public var recipient: AgeRecipient {
        AgeRecipient(rawBytes: Array(privateKey.publicKey.rawRepresentation))
    }

    public var description: String { "AgeIdentity(\(recipient))" }
}

/// An age X25519 recipient (public key), `age1...`.
public struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes of the public key.
    public let rawBytes: [UInt8]

    var publicKey: Curve25519.KeyAgreement.PublicKey {
        // 32 bytes is the one length the initializer refuses nothing of.
        try! Curve25519.KeyAgreement.PublicKey(rawRepresentation: rawBytes)
    }

    init(rawBytes: [UInt8]) {
        self.rawBytes = rawBytes
    }

    /// Parses `age1...` (lowercase, as age writes it).
    public init(parsing text: String) throws(AgeError) {
        guard let decoded = Bech32.decode(text), decoded.hrp == "age", !decoded.uppercase, decoded.data.count == 32
        else {
            // A secret key put where a recipient goes is never repeated (a daemon's message ends in the journal).
            // Anywhere in the text: after a space, a byte order mark or another line, it is still the key.
            let shown = text.uppercased().contains("AGE-SECRET-KEY-") ? "AGE-SECRET-KEY-..." : String(text.prefix(80))
            throw AgeError(
                .invalidKey,
                "'\(shown)' is not an age X25519 recipient (age1... with a valid checksum)"
                    + (shown.hasPrefix("AGE-SECRET") ? "; it is a secret key: keep it out of the configuration" : "")
            )
        }
        rawBytes = decoded.data
        // A low-order point gives the all-zero shared secret, which X25519 refuses: no file could be written to it.
        let probe = Curve25519.KeyAgreement.PrivateKey()
        guard let secret = try? probe.sharedSecretFromKeyAgreement(with: publicKey),
            secret.withUnsafeBytes({ $0.contains { $0 != 0 } })
        else {
            throw AgeError(.invalidKey, "'\(text.prefix(80))' is a low-order X25519 point, not a usable age recipient")
        }
    }

    /// The `age1...` text.
    public var description: String { Bech32.encode(hrp: "age", data: rawBytes, uppercase: false) }
}
