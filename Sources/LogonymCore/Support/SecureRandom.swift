/// Random bytes from the system's CSPRNG (`getrandom(2)` through `SystemRandomNumberGenerator`), eight at a time:
/// keys, nonces and unguessable names. One call per byte cost a system call per byte (32 for each window key).
public enum SecureRandom: Sendable {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var index = 0
            while index < raw.count {
                var word: UInt64 = generator.next()
                let n = min(8, raw.count - index)
                withUnsafeBytes(of: &word) {
                    raw.baseAddress!.advanced(by: index).copyMemory(from: $0.baseAddress!, byteCount: n)
                }
                index += n
            }
        }
        return out
    }

    /// `count` random bytes in lowercase hex.
    public static func hex(_ count: Int) -> String {
        SHA256Digest.hexText(bytes(count))
    }
}
