import Crypto
import Foundation

/// Writes an age v1 file to X25519 recipients as a stream: give it the plaintext in pieces of any size with
/// ``update(_:into:)`` and end with ``finish(into:)``; it hands back the file's bytes as they are ready (the
/// header with the first call). It holds at most one 64 KiB chunk.
///
/// A new random file key, payload nonce and ephemeral key per file, from the system's CSPRNG.
public final class AgeEncryptor {
    private let payloadKey: SymmetricKey
    private var header: [UInt8]?
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0
    private var finished = false

    /// Prepares a file for `recipients` (at least one).
    public init(recipients: [AgeRecipient]) {
        precondition(!recipients.isEmpty, "an age file needs at least one recipient")
        let fileKey = SymmetricKey(size: SymmetricKeySize(bitCount: 128))
        // Wrapping fails only for a low-order recipient key, which AgeRecipient(parsing:) refuses.
        let stanzas = recipients.map { try! AgeX25519.wrap(fileKey, for: $0) }
        var text = AgeHeader.encode(stanzas)
        let mac = HMAC<SHA256>.authenticationCode(for: text, using: AgePayload.headerKey(fileKey: fileKey))
        text += [0x20] + AgeBase64.encode(Array(mac)) + [0x0A]
        let nonce = SecureRandom.bytes(AgePayload.nonceSize)
        payloadKey = AgePayload.key(fileKey: fileKey, nonce: nonce)
        header = text + nonce
        pending.reserveCapacity(AgePayload.chunkSize)
    }

    /// Encrypts `bytes` (after what came before); appends the file bytes that are ready to `out`.
    public func update<Bytes: Collection<UInt8>>(_ bytes: Bytes, into out: inout [UInt8]) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0), into: &out) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0, into: &out) } }
    }

    /// Encrypts `bytes` (after what came before); appends the file bytes that are ready to `out`.
    public func update(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        precondition(!finished, "update after finish")
        if let header {
            out += header
            self.header = nil
        }
        var index = 0
        while index < bytes.count {
            // A full chunk is sealed only once more bytes follow: the last chunk may be full, and is sealed as last.
            if pending.count == AgePayload.chunkSize { seal(last: false, into: &out) }
            let end = min(bytes.count, index + AgePayload.chunkSize - pending.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
            index = end
        }
    }

    /// Seals the last chunk (empty only for an empty file); appends the rest of the file to `out`.
    public func finish(into out: inout [UInt8]) {
        precondition(!finished, "finish twice")
        if let header {
            out += header
            self.header = nil
        }
        seal(last: true, into: &out)
        finished = true
    }

    private func seal(last: Bool, into out: inout [UInt8]) {
        // ChaCha20-Poly1305 fails only for a nonce of the wrong length.
        let box = try! ChaChaPoly.seal(pending, using: payloadKey, nonce: AgePayload.chunkNonce(counter, last: last))
        box.ciphertext.withUnsafeBytes { out.append(contentsOf: $0) }
        box.tag.withUnsafeBytes { out.append(contentsOf: $0) }
        counter += 1
        pending.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension AgeEncryptor: Sendable {}
