import LogonymCore

/// A value that a setting's rule refuses. `message` is the rule's own words, the same for a flag and a configuration
/// key; the caller adds where the value came from (``SettingRule/flag(_:_:)``, ``ConfigFile/checked(_:_:_:)``).
struct SettingProblem: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

/// The rules the settings follow, each written once with its message, for the flags of `anonymize` and `verify` and
/// the keys of the configuration file alike.
///
/// A flag's problem reads `--compression-level: must be 1 to 9, not 12`, a key's
/// `logonym.toml:12: output.compression_level: must be 1 to 9, not 12`.
enum SettingRule {
    /// A value from a fixed list, refused as `'x' is not a <noun>; use one of a, b, c`.
    static func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ noun: String) throws(SettingProblem) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw notOneOf(text, noun, T.allCases.map(\.rawValue))
        }
        return value
    }

    /// `'x' is not a <noun>; use a or b` (two names) or `use one of a, b, c`.
    static func notOneOf(_ text: String, _ noun: String, _ allowed: [String]) -> SettingProblem {
        let list =
            allowed.count == 2 ? "\(allowed[0]) or \(allowed[1])" : "one of " + allowed.joined(separator: ", ")
        return SettingProblem("'\(text)' is not \(noun); use \(list)")
    }

    /// A number in a closed range, refused as `must be 1 to 9, not 12`.
    static func within(_ value: Int, _ range: ClosedRange<Int>) throws(SettingProblem) -> Int {
        guard range.contains(value) else {
            throw SettingProblem("must be \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        return value
    }

    /// A name that becomes a folder of the output or state directory (`--source`, an input's `name`).
    static func folderName(_ text: String) throws(SettingProblem) -> String {
        guard !text.isEmpty, !text.contains("/"), !text.hasPrefix(".") else {
            throw SettingProblem("'\(text)' cannot name a folder")
        }
        return text
    }
}

// MARK: Input and output

extension SettingRule {
    /// `--format`, an input's `format`.
    static func format(_ name: String, json: JSONLineFormat) throws(SettingProblem) -> FormatChoice {
        guard let choice = FormatChoice.named(name, json: json) else {
            throw notOneOf(name, "a format", FormatChoice.names)
        }
        return choice
    }

    /// `--log-format`, an input's `log_format`.
    static func logFormat(_ text: String) throws(SettingProblem) -> FormatChoice {
        do {
            return try FormatChoice.custom(text)
        } catch {
            throw SettingProblem(error.message)
        }
    }

    /// `--output-format`, `output.format`.
    static func outputFormat(_ text: String) throws(SettingProblem) -> OutputFormat {
        try choice(text, "an output format")
    }

    /// `--on-unparsable`, `anonymize.on_unparsable`.
    static func unparsablePolicy(_ text: String) throws(SettingProblem) -> UnparsablePolicy {
        try choice(text, "a policy for unparsable lines")
    }

    /// `--max-line-bytes`, `anonymize.max_line_bytes`.
    static func maxLineBytes(_ value: Int) throws(SettingProblem) -> Int {
        try within(value, 256...(64 << 20))
    }

    /// `--compression-level`, `output.compression_level`.
    static func compressionLevel(_ value: Int) throws(SettingProblem) -> Int32 {
        Int32(try within(value, 1...9))
    }

    /// `--window`, `output.window`.
    static func window(_ text: String) throws(SettingProblem) -> WindowLength {
        try choice(text, "a window")
    }
}

// MARK: Addresses and keys

extension SettingRule {
    /// `--key-mode`, `anonymize.key_mode`: where the keys of `hmac` and `cryptopan` come from.
    enum KeyModeName: String, CaseIterable {
        case ephemeral, derived
    }

    /// `--method`, `anonymize.method`.
    static func method(_ text: String) throws(SettingProblem) -> AnonymizationMethod {
        try choice(text, "a method")
    }

    /// `--preset`, `anonymize.preset`.
    static func preset(_ name: String) throws(SettingProblem) -> TruncationPrefixes {
        guard let prefixes = TruncationPrefixes.presets[name] else {
            throw notOneOf(name, "a preset", TruncationPrefixes.presetNames)
        }
        return prefixes
    }

    /// `--ipv4-prefix` and `--ipv6-prefix`, `anonymize.ipv4_prefix` and `anonymize.ipv6_prefix`.
    static func prefix(_ bits: Int, ipv6: Bool) throws(SettingProblem) -> Int {
        if let message = TruncationPrefixes.problem(keeping: bits, ipv6: ipv6) { throw SettingProblem(message) }
        return bits
    }

    /// `--key-mode`, `anonymize.key_mode`.
    static func keyMode(_ text: String) throws(SettingProblem) -> KeyModeName {
        try choice(text, "a key mode")
    }
}

// MARK: Scrub and geo

extension SettingRule {
    /// `--scrub-mode`; `scrub.mode`, where `off` turns the stage off (`nil`).
    static func scrubMode(_ text: String, offAllowed: Bool) throws(SettingProblem) -> ScrubSettings.Mode? {
        if offAllowed && text == "off" { return nil }
        guard let mode = ScrubSettings.Mode(rawValue: text) else {
            let names = ScrubSettings.Mode.allCases.map(\.rawValue) + (offAllowed ? ["off"] : [])
            throw notOneOf(text, "a scrub mode", names)
        }
        return mode
    }

    /// `--scrub-marker`, `scrub.marker`.
    static func marker(_ text: String) throws(SettingProblem) -> String {
        guard ScrubSettings.isUsableMarker(text) else { throw SettingProblem(ScrubSettings.markerRule) }
        return text
    }

    /// `--remote-user`, `scrub.remote_user`; `hash` needs the key of a keyed method.
    static func remoteUser(
        _ text: String,
        method: AnonymizationMethod
    ) throws(SettingProblem) -> ScrubSettings.RemoteUser {
        let policy: ScrubSettings.RemoteUser = try choice(text, "a remote-user policy")
        if policy == .hash && !method.needsKey {
            throw SettingProblem("'hash' needs a keyed method (hmac or cryptopan), not \(method.rawValue)")
        }
        return policy
    }

    /// `--user-agent`, `scrub.user_agent`.
    static func userAgent(_ text: String) throws(SettingProblem) -> ScrubSettings.UserAgent {
        try choice(text, "a user-agent policy")
    }

    /// `--geo-level`, `geo.line_level`.
    static func geoLevel(_ text: String) throws(SettingProblem) -> GeoLevel {
        try choice(text, "a geo level")
    }

    /// `--geo-field`, `geo.field`: whether the bucket is appended to each line.
    static func geoFieldAppends(_ text: String) throws(SettingProblem) -> Bool {
        switch text {
        case "append": return true
        case "none": return false
        default: throw notOneOf(text, "a geo field choice", ["append", "none"])
        }
    }

    /// `--geo-k`, `geo.k`.
    static func geoK(_ value: Int) throws(SettingProblem) -> Int {
        guard value >= 1 else { throw SettingProblem("must be at least 1, not \(value)") }
        return value
    }
}

extension SettingRule {
    /// A flag's value checked by its rule; a refusal is a usage error (exit 2) that names the flag.
    static func flag<T>(_ name: String, _ check: () throws -> T) throws -> T {
        do {
            return try check()
        } catch let problem as SettingProblem {
            throw CommandFailure.usage("\(name): \(problem.message)")
        }
    }
}

// MARK: Encryption

extension SettingRule {
    /// `--encrypt`, `output.encrypt`: how closed segments are encrypted.
    enum EncryptMode: String, CaseIterable {
        case window
    }

    /// `--recipient`, `output.recipients`: an age X25519 recipient.
    static func recipient(_ text: String) throws(SettingProblem) -> AgeRecipient {
        do {
            return try AgeRecipient(parsing: text)
        } catch {
            throw SettingProblem(error.message)
        }
    }
}
