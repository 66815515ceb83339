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
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in of(bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// What a chain's first link follows: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)
}
