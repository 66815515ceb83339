import Crypto
import Foundation

/// Reads an age v1 file as a stream: give it the file's bytes in pieces of any size with ``update(_:into:)`` and
/// end with ``finish(into:)``; it appends the plaintext of each chunk once the chunk is authenticated. Only
/// ``finish(into:)`` proves the file complete: a file cut short at a chunk boundary fails there.
///
/// It holds the header while it is read (at most ``AgeHeader/maximumLength``) and then at most one chunk and the
/// piece given.
public final class AgeDecryptor {
    private let identities: [AgeIdentity]
    private var buffer: [UInt8] = []
    /// Where unread bytes start in `buffer`.
    private var start = 0
    private var fileKey: SymmetricKey?
    private var payloadKey: SymmetricKey?
    private var counter: UInt64 = 0
    private var failure: AgeError?
    /// The header's length, once it was read.
    public private(set) var headerLength: Int?

    /// A reader that opens the file with one of `identities`.
    public init(identities: [AgeIdentity]) {
        self.identities = identities
    }

    private static let encryptedChunk = AgePayload.chunkSize + AgePayload.tagSize

    /// Reads `bytes`; appends the plaintext of every chunk that is known not to be the last and authenticates.
    public func update<Bytes: Collection<UInt8>>(_ bytes: Bytes, into out: inout [UInt8]) throws(AgeError) {
        if let failure { throw failure }
        if bytes.withContiguousStorageIfAvailable({ buffer.append(contentsOf: $0) }) == nil { buffer += bytes }
        do {
            try advance(atEnd: false, into: &out)
        } catch {
            failure = error
            throw error
        }
    }

    /// The file ended: opens the final chunk and checks that nothing is missing.
    public func finish(into out: inout [UInt8]) throws(AgeError) {
        if let failure { throw failure }
        do {
            try advance(atEnd: true, into: &out)
        } catch {
            failure = error
            throw error
        }
        failure = AgeError(.payload, "the age file was read to its end already")
    }

    private func advance(atEnd: Bool, into out: inout [UInt8]) throws(AgeError) {
        if fileKey == nil {
            guard let header = try AgeHeader.parse(buffer[start...], atEnd: atEnd) else { return }
            fileKey = try unwrap(header)
            let coverage = buffer[start..<(start + header.macCoverage)]
            guard
                HMAC<SHA256>.isValidAuthenticationCode(
                    header.mac,
                    authenticating: coverage,
                    using: AgePayload.headerKey(fileKey: fileKey!)
                )
            else {
                throw AgeError(.headerMAC, "the age header's MAC does not match: the header was changed")
            }
            start += header.length
            headerLength = header.length
        }
        if payloadKey == nil {
            guard buffer.count - start >= AgePayload.nonceSize else {
                if atEnd { throw AgeError(.header, "the age file ends before its payload nonce") }
                return
            }
            payloadKey = AgePayload.key(fileKey: fileKey!, nonce: Array(buffer[start..<(start + AgePayload.nonceSize)]))
            start += AgePayload.nonceSize
        }
        // A chunk is opened as one that is not the last only when more bytes follow it.
        while buffer.count - start > Self.encryptedChunk {
            let chunk = buffer[start..<(start + Self.encryptedChunk)]
            guard let plain = open(chunk, last: false) else {
                if open(chunk, last: true) != nil {
                    throw AgeError(.payload, "the age file has data after its final chunk (chunk \(counter))")
                }
                throw Self.authenticationFailure(counter)
            }
            out += plain
            counter += 1
            start += Self.encryptedChunk
        }
        if start >= 1 << 16 {
            buffer.removeFirst(start)
            start = 0
        }
        guard atEnd else { return }
        let chunk = buffer[start...]
        if chunk.isEmpty && counter > 0 {
            throw AgeError(
                .truncated,
                "the age file ends after chunk \(counter - 1) without its final chunk: it was cut short"
            )
        }
        guard chunk.count >= AgePayload.tagSize else {
            throw AgeError(.truncated, "the age file ends inside chunk \(counter): it was cut short")
        }
        guard let plain = open(chunk, last: true) else {
            if chunk.count == Self.encryptedChunk, open(chunk, last: false) != nil {
                throw AgeError(
                    .truncated,
                    "the age file ends after chunk \(counter) without its final chunk: it was cut short"
                )
            }
            throw Self.authenticationFailure(counter)
        }
        if plain.isEmpty && counter > 0 {
            throw AgeError(.payload, "the age file's final chunk (chunk \(counter)) is empty, which age does not allow")
        }
        out += plain
        buffer = []
        start = 0
    }

    private static func authenticationFailure(_ counter: UInt64) -> AgeError {
        AgeError(
            .payload,
            "chunk \(counter) of the age payload failed authentication: the file was changed, reordered or cut short"
        )
    }

    private func open(_ chunk: ArraySlice<UInt8>, last: Bool) -> [UInt8]? {
        guard chunk.count >= AgePayload.tagSize,
            let box = try? ChaChaPoly.SealedBox(
                nonce: AgePayload.chunkNonce(counter, last: last),
                ciphertext: chunk.dropLast(AgePayload.tagSize),
                tag: chunk.suffix(AgePayload.tagSize)
            ),
            let plain = try? ChaChaPoly.open(box, using: payloadKey!)
        else { return nil }
        return plain.withUnsafeBytes { Array($0) }
    }

    /// The file key from the first stanza one of the identities opens.
    private func unwrap(_ header: AgeHeader) throws(AgeError) -> SymmetricKey {
        for identity in identities {
            for stanza in header.stanzas {
                if let key = try AgeX25519.unwrap(stanza, with: identity) {
                    guard key.bitCount == 128 else { throw AgeError(.header, "the wrapped file key is not 16 bytes") }
                    return key
                }
            }
        }
        throw AgeError(
            .noMatch,
            "none of the age file's recipients is the identity given: it was not encrypted to this key"
        )
    }
}

@available(*, unavailable)
extension AgeDecryptor: Sendable {}
