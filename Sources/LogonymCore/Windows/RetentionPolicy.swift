/// How long output, raw inputs, keys and audit entries are kept, counted from the end of a window (or, for raw
/// inputs and audit entries, from their time).
public struct RetentionPolicy: Sendable, Equatable {
    /// Seconds output segments are kept after their window ended; `nil` keeps them.
    public var output: Int64?
    /// Seconds a fully read raw input file is kept after it was last modified; `nil` never deletes one.
    public var rawInputs: Int64?
    /// Seconds a window key is kept after its window ended; `nil` means one window plus one hour.
    public var keys: Int64?
    /// Seconds audit entries are kept.
    public var audit: Int64

    public init(output: Int64? = 90 * 86_400, rawInputs: Int64? = nil, keys: Int64? = nil, audit: Int64 = 400 * 86_400)
    {
        self.output = output
        self.rawInputs = rawInputs
        self.keys = keys
        self.audit = audit
    }

    /// Keeps everything (a batch run without a configuration).
    public static let keepAll = RetentionPolicy(output: nil, rawInputs: nil, keys: nil, audit: 400 * 86_400)

    /// How long keys of `window`-long windows are kept after their window ended.
    public func keySeconds(_ window: WindowLength) -> Int64 {
        keys ?? window.seconds + 3600
    }

    /// Whether the output of the window starting at `start` is past retention at `now`.
    @inlinable
    public func outputExpired(windowStart start: Int64, window: WindowLength, now: Int64) -> Bool {
        guard let output else { return false }
        return start + window.seconds + output <= now
    }

    /// Whether the key of the window starting at `start` is past retention at `now`.
    public func keyExpired(windowStart start: Int64, window: WindowLength, now: Int64) -> Bool {
        start + window.seconds + keySeconds(window) <= now
    }
}
