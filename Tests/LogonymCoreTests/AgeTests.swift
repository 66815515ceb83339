import Foundation
import LogonymCore
import LogonymTestSupport
import Testing

/// age v1: keys, round trips across chunk boundaries and feed sizes, and every way a file can be wrong.
struct AgeTests {
    /// The specification's example identity and the recipient it gives (age-encryption.org/v1, "The X25519
    /// recipient type").
    static let specIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    static let specRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

    static func encrypt(_ plain: [UInt8], to recipients: [AgeRecipient], pieces: Int = 1 << 20) -> [UInt8] {
        let encryptor = AgeEncryptor(recipients: recipients)
        var out: [UInt8] = []
        var index = 0
        while index < plain.count {
            let end = min(index + pieces, plain.count)
            encryptor.update(plain[index..<end], into: &out)
            index = end
        }
        encryptor.finish(into: &out)
        return out
    }

    static func decrypt(_ file: [UInt8], with identities: [AgeIdentity], pieces: Int = 1 << 20) throws -> [UInt8] {
        let decryptor = AgeDecryptor(identities: identities)
        var out: [UInt8] = []
        var index = 0
        while index < file.count {
            let end = min(index + pieces, file.count)
            try decryptor.update(file[index..<end], into: &out)
            index = end
        }
        try decryptor.finish(into: &out)
        return out
    }

    static func random(_ count: Int, seed: Int) -> [UInt8] {
        var generator = SplitMix64(seed: 0xA6E, stream: 1, index: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// The ``AgeError`` that `body` throws (`nil` when it succeeds).
    static func error(_ body: () throws -> [UInt8]) -> AgeError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? AgeError ?? AgeError(.invalidKey, "not an AgeError: \(error)")
        }
    }

    @Test func theSpecificationsExampleIdentityGivesItsRecipient() throws {
        let identity = try AgeIdentity(parsing: Self.specIdentity)
        #expect(identity.recipient.description == Self.specRecipient)
        #expect(identity.secretText == Self.specIdentity)
        #expect(try AgeRecipient(parsing: Self.specRecipient).description == Self.specRecipient)
    }

    @Test func keysWithABadChecksumMixedCaseOrTheWrongPrefixAreRefused() {
        var flipped = Array(Self.specRecipient)
        flipped[10] = flipped[10] == "q" ? "p" : "q"
        let bad = [
            String(flipped), Self.specRecipient.uppercased(), "age1" + Self.specRecipient.dropFirst(4).dropLast(),
            "Age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj", Self.specIdentity,
        ]
        for text in bad { #expect(throws: AgeError.self, "\(text)") { try AgeRecipient(parsing: text) } }
        #expect(throws: AgeError.self) { try AgeIdentity(parsing: Self.specIdentity.lowercased()) }
        #expect(throws: AgeError.self) { try AgeIdentity(parsing: Self.specRecipient) }
    }

    @Test func aLowOrderRecipientIsRefusedAtParsingNotWhenAFileIsWritten() throws {
        let error = try #require(
            Self.error {
                _ = try AgeRecipient(parsing: Self.zeroRecipient)
                return []
            }
        )
        #expect(error.code == .invalidKey)
        #expect(error.message.contains("low-order"), "\(error.message)")
    }

    /// The Bech32 `age` recipient of 32 zero bytes: a low-order point, which gives every sender the all-zero shared
    /// secret (it has a valid checksum: only the point is wrong).
    static let zeroRecipient = "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z"

    @Test func anIdentityFileSkipsCommentsAndRefusesOtherLinesByNumber() throws {
        let identity = AgeIdentity()
        let parsed = try AgeIdentity.parseFile(identity.fileText(created: "2026-12-01T00:00:00Z"))
        #expect(parsed.map(\.recipient) == [identity.recipient])
        let error = try #require(
            Self.error {
                _ = try AgeIdentity.parseFile("# x\n\nnot a key\n")
                return []
            }
        )
        #expect(error.code == .invalidKey)
        #expect(error.message == "line 3 is not an age X25519 identity (AGE-SECRET-KEY-1...)")
        #expect(throws: AgeError.self) { try AgeIdentity.parseFile("# only a comment\n") }
    }

    @Test(arguments: [0, 1, 100, 65_535, 65_536, 65_537, 131_072, 131_073, 300_000])
    func filesOfEverySizeRoundTripWhateverThePieceSizes(size: Int) throws {
        let identity = AgeIdentity()
        let plain = Self.random(size, seed: size)
        for pieces in [1 << 20, 65_536, 4_099, 997] {
            let file = Self.encrypt(plain, to: [identity.recipient], pieces: pieces)
            // Header, nonce, and a 16-byte tag per chunk (one empty chunk for an empty file).
            let chunks = max(1, (size + 65_535) / 65_536)
            let header = try #require(file.firstIndex(of: 0x2D).map { _ in file })
            #expect(header.count > size + 16 + 16 * chunks)
            for readPieces in [1 << 20, 65_552, 1_000, 17] {
                #expect(try Self.decrypt(file, with: [identity], pieces: readPieces) == plain)
            }
        }
    }

    @Test func aFileForSeveralRecipientsOpensWithEachIdentityAndNoOther() throws {
        let a = AgeIdentity()
        let b = AgeIdentity()
        let plain = Self.random(70_000, seed: 7)
        let file = Self.encrypt(plain, to: [a.recipient, b.recipient])
        #expect(try Self.decrypt(file, with: [a]) == plain)
        #expect(try Self.decrypt(file, with: [b]) == plain)
        #expect(try Self.decrypt(file, with: [AgeIdentity(), b]) == plain)
        let error = try #require(Self.error { try Self.decrypt(file, with: [AgeIdentity()]) })
        #expect(error.code == .noMatch)
        // Two encryptions of the same text share nothing (new file key, nonce and ephemeral keys).
        let again = Self.encrypt(plain, to: [a.recipient, b.recipient])
        #expect(again != file)
        #expect(again.count == file.count)
    }

    @Test func everyTruncationFailsAndNoneIsTakenForAWholeFile() throws {
        let identity = AgeIdentity()
        let plain = Self.random(150_000, seed: 3)
        let file = Self.encrypt(plain, to: [identity.recipient])
        var cuts = Array(stride(from: 0, to: file.count, by: 1_009))
        let payloadStart = file.count - (150_000 + 3 * 16) - 16
        // At the nonce, at each chunk boundary and one byte either side.
        for boundary in [payloadStart, payloadStart + 16, payloadStart + 16 + 65_552, payloadStart + 16 + 2 * 65_552] {
            cuts += [boundary - 1, boundary, boundary + 1]
        }
        cuts.append(file.count - 1)
        for cut in cuts {
            let error = Self.error { try Self.decrypt(Array(file[..<cut]), with: [identity], pieces: 8_192) }
            #expect(error != nil, "cut at \(cut) of \(file.count) was accepted")
        }
        let atBoundary = try #require(
            Self.error { try Self.decrypt(Array(file[..<(payloadStart + 16 + 65_552)]), with: [identity]) }
        )
        #expect(atBoundary.code == .truncated)
        #expect(atBoundary.message.contains("cut short"))
    }

    @Test func reorderedRepeatedOrFlippedChunksFail() throws {
        let identity = AgeIdentity()
        let plain = Self.random(200_000, seed: 4)
        let file = Self.encrypt(plain, to: [identity.recipient])
        let chunk = 65_552
        let payload = file.count - (200_000 + 4 * 16)
        let header = Array(file[..<payload])
        let chunks = stride(from: payload, to: file.count, by: chunk).map {
            Array(file[$0..<min($0 + chunk, file.count)])
        }
        #expect(chunks.count == 4)
        let swapped = header + chunks[1] + chunks[0] + chunks[2] + chunks[3]
        let repeated = header + chunks[0] + chunks[0] + chunks[1] + chunks[2] + chunks[3]
        let extra = file + chunks[3]
        let dropped = header + chunks[0] + chunks[2] + chunks[3]
        for (name, changed) in [("swapped", swapped), ("repeated", repeated), ("extra", extra), ("dropped", dropped)] {
            let error = Self.error { try Self.decrypt(changed, with: [identity]) }
            #expect(error?.code == .payload, "\(name): \(String(describing: error))")
        }
        for offset in [payload - 1, payload + 17, payload + chunk + 5, file.count - 1] {
            var flipped = file
            flipped[offset] ^= 0x01
            #expect(Self.error { try Self.decrypt(flipped, with: [identity]) } != nil, "flip at \(offset)")
        }
    }

    @Test func aChangedHeaderFailsItsMACOrItsParsing() throws {
        let identity = AgeIdentity()
        let other = AgeIdentity()
        let file = Self.encrypt(Array("hello\n".utf8), to: [identity.recipient, other.recipient])
        let text = String(decoding: file, as: UTF8.self)
        // A stanza removed: the rest still opens the file key, and the MAC says the header changed.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeSubrange(3...4)
        let removed = Array(lines.joined(separator: "\n").utf8)
        #expect(Self.error { try Self.decrypt(removed, with: [identity]) }?.code == .headerMAC)
        // A grease stanza added, the MAC unchanged.
        let version = Array("age-encryption.org/v1\n".utf8)
        let greased = version + Array("-> grease x\n\n".utf8) + file.dropFirst(version.count)
        #expect(Self.error { try Self.decrypt(greased, with: [identity]) }?.code == .headerMAC)
        // The MAC itself changed (one base64 character).
        let macLine = try #require(text.range(of: "\n--- "))
        var bad = file
        let at = text.utf8.distance(from: text.startIndex, to: macLine.upperBound) + 3
        bad[at] = bad[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect([.headerMAC, .header].contains(Self.error { try Self.decrypt(bad, with: [identity]) }?.code))
        // Not an age file at all.
        let plain = Self.error { try Self.decrypt(Array("\u{1f}\u{8b}gzip...".utf8), with: [identity]) }
        #expect(plain?.code == .header)
        #expect(plain?.message == "not an age v1 file (its first line is not 'age-encryption.org/v1')")
    }

    @Test func aHeaderThatNeverEndsIsRefusedAtItsLimit() {
        var file = Array("age-encryption.org/v1\n".utf8)
        let stanza = Array("-> grease\n\n".utf8)
        while file.count < (1 << 20) + 100 { file += stanza }
        let error = Self.error { try Self.decrypt(file, with: [AgeIdentity()], pieces: 65_536) }
        #expect(error?.code == .header)
        #expect(error?.message == "the age header is too long")
    }
}
