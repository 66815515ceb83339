import ArgumentParser
import LogonymCore

/// How addresses are (or were) replaced: `--method` and the prefixes `truncate` keeps. One declaration for the
/// commands that write output and the one that checks it.
struct MethodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("truncate (default), hmac or cryptopan.", valueName: "method"))
    var method: String?

    @Option(
        name: .customLong("ipv4-prefix"),
        help: ArgumentHelp("IPv4 bits kept by truncate (default 24).", valueName: "bits")
    )
    var ipv4Prefix: Int?

    @Option(
        name: .customLong("ipv6-prefix"),
        help: ArgumentHelp("IPv6 bits kept by truncate (default 48).", valueName: "bits")
    )
    var ipv6Prefix: Int?

    @Option(
        help: ArgumentHelp("Prefix preset: strict (/16, /32), ga (/24, /48), anonip (/20, /44).", valueName: "name")
    )
    var preset: String?

    /// Whether any of the options was given.
    var isGiven: Bool { method != nil || preset != nil || ipv4Prefix != nil || ipv6Prefix != nil }

    /// The method chosen (`truncate` when none was).
    func resolvedMethod() throws -> AnonymizationMethod {
        try SettingRule.flag("--method") { try SettingRule.method(method ?? "truncate") }
    }

    /// The prefixes chosen.
    func resolvedPrefixes() throws -> TruncationPrefixes {
        try AnonymizeSettings.prefixes(preset: preset, ipv4: ipv4Prefix, ipv6: ipv6Prefix)
    }
}
