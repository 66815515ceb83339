import COpenSSL

/// SHA-256 through libcrypto (the audit log's chain).
public enum SHA256Digest {
    /// The digest of `bytes`, 32 bytes.
    public static func of(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let contiguous = Array(bytes)
        contiguous.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                _ = SHA256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        return out
    }

    /// The digest of `bytes` in lowercase hex, 64 characters.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        hexText(of(bytes))
    }

    /// What a chain's first link follows: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)

    /// Lowercase hex of `digest` (or of any bytes: ``SecureRandom/hex(_:)``).
    static func hexText(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A digest of bytes given in pieces (a file as it is written).
    public final class Stream {
        private let context: OpaquePointer

        public init() {
            context = EVP_MD_CTX_new()!
            EVP_DigestInit_ex(context, EVP_sha256(), nil)
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress else { return }
            EVP_DigestUpdate(context, base, bytes.count)
        }

        /// The digest of everything given, in lowercase hex; the stream is spent.
        public func finish() -> String {
            var out = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &out, &length)
            return SHA256Digest.hexText(out)
        }
    }
}

@available(*, unavailable)
extension SHA256Digest.Stream: Sendable {}
