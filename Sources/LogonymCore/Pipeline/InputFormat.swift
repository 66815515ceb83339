/// The format of an input's lines.
public enum InputFormat: Sendable, Equatable {
    /// A text format (built in or from `--log-format`).
    case text(LogFormat)
    /// One JSON object per line.
    case json(JSONLineFormat)

    /// The name shown in reports.
    public var name: String {
        switch self {
        case .text(let format): format.name
        case .json(let format): format.name
        }
    }
}

/// What is written for each line.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// The input's own format, with only the changed bytes replaced.
    case same
    /// One JSON object per line with named fields.
    case json
}

/// What happens to a line that does not match the format (or is longer than the line limit).
public enum UnparsablePolicy: String, CaseIterable, Sendable {
    /// Write it with every address-looking token replaced (fail closed).
    case scrub
    /// Leave it out, counted by reason.
    case drop
}
