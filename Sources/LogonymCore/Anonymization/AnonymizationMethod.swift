/// How client addresses are replaced.
public enum AnonymizationMethod: String, CaseIterable, Sendable, Codable {
    /// Zero the host bits (keep a prefix).
    case truncate
    /// Keyed HMAC-SHA256 pseudonym, written back as an address of the same family (construction v1).
    case hmac
    /// Prefix-preserving keyed pseudonym (Crypto-PAn).
    case cryptopan

    /// Whether the method needs a key.
    public var needsKey: Bool { self != .truncate }
}

/// How many leading bits `truncate` keeps.
public struct TruncationPrefixes: Sendable, Equatable {
    /// Bits kept of an IPv4 address (0...32).
    public var ipv4: Int
    /// Bits kept of an IPv6 address (0...128).
    public var ipv6: Int

    public init(ipv4: Int, ipv6: Int) {
        precondition((0...32).contains(ipv4) && (0...128).contains(ipv6), "prefix out of range")
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    /// `/24` and `/48`, the Google Analytics level (the default).
    public static let ga = TruncationPrefixes(ipv4: 24, ipv6: 48)
    /// `/16` and `/32`, the level German practice and CNIL-aligned tools treat as anonymous.
    public static let strict = TruncationPrefixes(ipv4: 16, ipv6: 32)
    /// `/20` and `/44`, as anonip does by default.
    public static let anonip = TruncationPrefixes(ipv4: 20, ipv6: 44)

    /// The named presets, by the name the CLI and config use.
    public static let presets: [String: TruncationPrefixes] = ["strict": .strict, "ga": .ga, "anonip": .anonip]
}
