/// A 32-byte key for `hmac` and `cryptopan`.
///
/// Key bytes are never printed: `description` shows only that a key is present.
public struct PseudonymKey: Sendable, CustomStringConvertible {
    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// Wraps exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Reads a key file's contents: 32 raw bytes, or 64 hex characters with an optional trailing newline.
    public init?(fileContents data: [UInt8]) {
        var trimmed = data[...]
        if trimmed.last == 0x0A { trimmed = trimmed.dropLast() }
        if trimmed.last == 0x0D { trimmed = trimmed.dropLast() }
        if trimmed.count == 64 {
            var out: [UInt8] = []
            out.reserveCapacity(32)
            var index = trimmed.startIndex
            while index < trimmed.endIndex {
                guard let high = IPAddress.hexValue(trimmed[index]),
                    let low = IPAddress.hexValue(trimmed[index + 1])
                else { return nil }
                out.append(high << 4 | low)
                index += 2
            }
            self.bytes = out
        } else if data.count == 32 {
            self.bytes = data
        } else {
            return nil
        }
    }

    /// Parses 64 hex characters.
    public init?(hex: String) {
        self.init(fileContents: Array(hex.utf8))
        if hex.utf8.count != 64 { return nil }
    }

    public var description: String { "PseudonymKey(32 bytes)" }
}
