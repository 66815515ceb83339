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
}
