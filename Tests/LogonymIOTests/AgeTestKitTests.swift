import CZlib
import Foundation
import LogonymCore
import Testing

/// The age test vectors of the C2SP CCTV project, read from `../shared/testdata/age-testkit` beside the package
/// (never copied into it). Every vector of a feature logonym implements (X25519 identities, binary files) must give
/// its expected outcome: the payload's SHA-256 on success, or the failure's kind. Vectors for scrypt passphrases,
/// the hybrid post-quantum type and ASCII armour are skipped by name.
struct AgeTestKitTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/testdata/age-testkit/age/testdata").standardized

    static let isPresent = FileManager.default.fileExists(atPath: directory.appendingPathComponent("x25519").path)

    /// Features logonym does not implement, by the vectors' name prefixes.
    static let skippedPrefixes = ["scrypt", "hybrid", "armor"]

    struct Vector {
        var name: String
        var fields: [(String, String)]
        var body: [UInt8]

        func field(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }
        func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
    }

    static func load(_ name: String) throws -> Vector {
        let data = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
        var fields: [(String, String)] = []
        var position = 0
        while true {
            let newline = try #require(data[position...].firstIndex(of: 0x0A), "\(name): no blank line")
            defer { position = newline + 1 }
            if newline == position { break }
            let line = String(decoding: data[position..<newline], as: UTF8.self)
            let colon = try #require(line.firstIndex(of: ":"), "\(name): \(line)")
            fields.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            )
        }
        var body = Array(data[position...])
        if let compression = fields.first(where: { $0.0 == "compressed" })?.1 {
            #expect(compression == "zlib", "\(name): \(compression)")
            body = try #require(zlibDecompress(body), "\(name): the zlib body does not inflate")
        }
        return Vector(name: name, fields: fields, body: body)
    }

    /// What a vector expects, as an ``AgeError`` code (`nil` for success).
    static func expectedCodes(_ expect: String) -> [AgeError.Code]? {
        switch expect {
        case "success": return nil
        case "header failure": return [.header]
        case "HMAC failure": return [.headerMAC]
        case "no match": return [.noMatch]
        case "payload failure": return [.payload, .truncated]
        default: return []
        }
    }

    @Test(.enabled(if: isPresent, "../shared/testdata/age-testkit is not beside the package: the vectors did not run"))
    func everyX25519VectorOfTheAgeTestKitGivesItsExpectedOutcome() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).sorted()
        var run = 0
        var skipped: [String] = []
        for name in names {
            if Self.skippedPrefixes.contains(where: { name.hasPrefix($0) }) {
                skipped.append(name)
                continue
            }
            let vector = try Self.load(name)
            // A vector of a skipped feature under another name fails here rather than being skipped silently.
            #expect(vector.field("passphrase") == nil && vector.field("armored") == nil, "\(name)")
            let expect = try #require(vector.field("expect"), "\(name): no expect")
            var identities = try vector.all("identity").map { try AgeIdentity(parsing: $0) }
            if identities.isEmpty {
                // `empty` names none: any identity must fail on it.
                #expect(expect != "success", "\(name): no identity")
                identities = [AgeIdentity()]
            }
            // Whole, and in small pieces through the streaming reader.
            for pieces in [vector.body.count + 1, 7, 4_096] {
                let decryptor = AgeDecryptor(identities: identities)
                var out: [UInt8] = []
                var outcome: AgeError?
                do {
                    var index = 0
                    while index < vector.body.count {
                        let end = min(index + pieces, vector.body.count)
                        try decryptor.update(vector.body[index..<end], into: &out)
                        index = end
                    }
                    try decryptor.finish(into: &out)
                } catch {
                    outcome = error
                }
                if let codes = Self.expectedCodes(expect) {
                    #expect(
                        outcome.map { codes.contains($0.code) } == true,
                        "\(name) (\(pieces)): expected \(expect), got \(outcome.map { "\($0.code): \($0)" } ?? "success")"
                    )
                } else {
                    #expect(outcome == nil, "\(name) (\(pieces)): \(String(describing: outcome))")
                    #expect(SHA256Digest.hex(out) == vector.field("payload"), "\(name) (\(pieces)): payload differs")
                }
            }
            run += 1
        }
        print("age test kit: \(run) vectors run, \(skipped.count) skipped (scrypt, hybrid, armor)")
        #expect(run == 67)
        #expect(run + skipped.count == names.count)
    }
}

/// `data` in zlib's format (RFC 1950) inflated; `nil` when zlib finds damage.
func zlibDecompress(_ data: [UInt8]) -> [UInt8]? {
    var out: [UInt8] = []
    var stream = z_stream()
    guard logonym_inflate_init(&stream, 15) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var status = Z_OK
    data.withUnsafeBufferPointer { input in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        repeat {
            status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            out += chunk[0..<(chunk.count - Int(stream.avail_out))]
        } while status == Z_OK
    }
    return status == Z_STREAM_END ? out : nil
}
