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

    /// The names of ``presets``, strictest first, as messages list them.
    public static let presetNames = presets.sorted { $0.value.ipv4 < $1.value.ipv4 }.map(\.key)

    /// The bits `truncate` may keep of an IPv4 address: a /32 would keep all of it, which is no anonymization.
    public static let ipv4Allowed = 0...31
    /// The bits `truncate` may keep of an IPv6 address: a /128 would keep all of it.
    public static let ipv6Allowed = 0...127

    /// Why `bits` cannot be kept of an IPv4 (or IPv6) address, or `nil` when it can: the one rule for the
    /// configuration file and the command-line flags, which put the key or flag in front.
    public static func problem(keeping bits: Int, ipv6: Bool) -> String? {
        let allowed = ipv6 ? ipv6Allowed : ipv4Allowed
        if allowed.contains(bits) { return nil }
        if bits == allowed.upperBound + 1 {
            return "must be 0 to \(allowed.upperBound), not \(bits): a /\(bits) keeps the whole address"
        }
        return "must be 0 to \(allowed.upperBound), not \(bits)"
    }
}
