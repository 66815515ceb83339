/// What `--format` or an input's `format` asked for: one format, a family to tell apart from an input's first lines
/// (HAProxy's variants), or any (`auto`).
///
/// The names are spelled here once, for the flag, the configuration and their error messages.
public struct FormatChoice: Sendable, Equatable {
    /// The name asked for (`auto`, `combined`, `haproxy`, ...).
    public let name: String
    /// The formats to detect among; empty for any.
    public let candidates: [InputFormat]

    /// Every name, as help and error messages list them.
    public static let names = [
        "auto", "combined", "common", "vhost_combined", "nginx-main", "json", "caddy", "traefik", "traefik-clf",
        "haproxy", "w3c",
    ]

    /// Any format: detected per input.
    public static let auto = FormatChoice(name: "auto", candidates: [])

    /// Exactly this format (a custom `--log-format`, say).
    public static func fixed(_ format: InputFormat) -> FormatChoice {
        FormatChoice(name: format.name, candidates: [format])
    }

    /// The choice a name stands for; `nil` for a name that is not one of ``names``.
    ///
    /// - Parameter json: the JSON format (with its `--json-address-key`s) that `json`, `caddy` and `traefik` use.
    public static func named(_ name: String, json: JSONLineFormat) -> FormatChoice? {
        switch name {
        case "auto": return .auto
        case "json", "caddy", "traefik": return .fixed(.json(json.named(name)))
        default:
            let formats = LogFormat.named(name)
            guard !formats.isEmpty else { return nil }
            return FormatChoice(name: name, candidates: formats.map { .text($0) })
        }
    }

    /// The one format chosen, when no detection is needed.
    public var fixed: InputFormat? { candidates.count == 1 ? candidates[0] : nil }

    /// The format for an input whose first bytes are `sample` (unused when ``fixed``).
    public func detect(_ sample: UnsafeBufferPointer<UInt8>, json: JSONLineFormat) -> FormatDetector.Result {
        if let fixed { return FormatDetector.Result(format: fixed, sampled: 0, matched: 0) }
        return FormatDetector.detect(sample, from: 0, to: sample.count, json: json, candidates: candidates)
    }
}
