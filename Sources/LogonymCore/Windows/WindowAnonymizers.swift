/// Chooses the anonymizer of each line's window: per-window keys, and lines whose window is past retention.
///
/// The processor asks only when a line's window differs from the last line's, or when ``generation`` changed
/// (a key was destroyed, so a cached anonymizer must not be used again).
public protocol WindowAnonymizers: AnyObject {
    /// The window length lines are assigned with.
    var window: WindowLength { get }
    /// Changes whenever an anonymizer handed out earlier may no longer be used.
    var generation: Int { get }
    /// The anonymizer for lines of the window starting at `start`, or `nil` when the window is past output
    /// retention (such a line is dropped and counted as expired).
    func anonymizer(forWindowStarting start: Int64) -> Anonymizer?
    /// The window for a line without a time when no line before it had one (the current window, by the clock).
    func currentWindowStart() -> Int64
    /// The keyed hash distinct clients of the window starting at `start` are counted with: keyed by the window's
    /// key, so that its sketch can be tested against an address only while that key exists; `nil` when there is
    /// none (the window is past retention, or no key can be made).
    func clientHasher(forWindowStarting start: Int64) -> SipHash?
}

extension WindowAnonymizers {
    public func clientHasher(forWindowStarting start: Int64) -> SipHash? { nil }
}
