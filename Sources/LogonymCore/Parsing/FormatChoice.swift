/// What `--format` or an input's `format` asked for: one format, a family to tell apart from an input's first lines
/// (HAProxy's variants), or any (`auto`).
///
/// The names are spelled here once, for the flag, the configuration and their error messages.
public struct FormatChoice: Sendable, Equatable {
    /// The name asked for (`auto`, `combined`, `haproxy`, ...).
    public let name: String
    /// The formats to detect among; empty for any.
    public let candidates: [InputFormat]

    /// What a name stands for: any format, the JSON reader under that name, or the built-in text formats of that
    /// name (``LogFormat/named(_:)``).
    private enum Kind {
        case any, json, text
    }

    /// Every name with what it stands for, in the order help and error messages list them: the one place the
    /// names are spelled.
    private static let known: [(name: String, kind: Kind)] = [
        ("auto", .any), ("combined", .text), ("common", .text), ("vhost_combined", .text), ("nginx-main", .text),
        ("json", .json), ("caddy", .json), ("traefik", .json), ("traefik-clf", .text), ("haproxy", .text),
        ("w3c", .text),
    ]

    /// Every name, as help and error messages list them.
    public static let names = known.map(\.name)

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
        guard let kind = known.first(where: { $0.name == name })?.kind else { return nil }
        switch kind {
        case .any: return .auto
        case .json: return .fixed(.json(json.named(name)))
        case .text: return FormatChoice(name: name, candidates: LogFormat.named(name).map { .text($0) })
        }
    }

    /// A custom format, in nginx `log_format` syntax (`$remote_addr ...`) or Apache `LogFormat` syntax (`%h ...`).
    public static func custom(_ format: String) throws(LogFormatError) -> FormatChoice {
        let nginx = format.contains("$") ? format : try LogFormat.nginxSyntax(fromApache: format)
        return .fixed(.text(try LogFormat(nginx: nginx, name: "custom")))
    }

    /// The one format chosen, when no detection is needed.
    public var fixed: InputFormat? { candidates.count == 1 ? candidates[0] : nil }

    /// The format for an input whose first bytes are `sample` (unused when ``fixed``).
    public func detect(_ sample: UnsafeBufferPointer<UInt8>, json: JSONLineFormat) -> FormatDetector.Result {
        if let fixed { return FormatDetector.Result(format: fixed, sampled: 0, matched: 0) }
        return FormatDetector.detect(sample, from: 0, to: sample.count, json: json, candidates: candidates)
    }
}
