/// A one-line progress display on a terminal: bytes, lines, rate and ETA; shown once a run lasts over a second.
final class ProgressLine {
    let enabled: Bool
    let totalBytes: Int?
    let clock: ContinuousClock
    let started: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private var shown = false

    init(enabled: Bool, totalBytes: Int?, clock: ContinuousClock) {
        self.enabled = enabled
        self.totalBytes = totalBytes
        self.clock = clock
        started = clock.now
        lastDraw = started
    }

    /// Redraws at most five times a second.
    func update(bytes: Int, lines: () -> Int) {
        guard enabled else { return }
        let now = clock.now
        guard now - started > .seconds(1), now - lastDraw > .milliseconds(200) else { return }
        lastDraw = now
        let elapsed = BatchRunner.seconds(now - started)
        let rate = Double(bytes) / max(elapsed, 0.001)
        var text = "\(Self.megabytes(bytes))"
        if let totalBytes, totalBytes > 0 {
            text += " of \(Self.megabytes(totalBytes)) (\(min(100, bytes * 100 / totalBytes))%)"
        }
        text += ", \(lines()) lines, \(Self.megabytes(Int(rate)))/s"
        if let totalBytes, rate > 0, totalBytes > bytes {
            let remaining = Int(Double(totalBytes - bytes) / rate)
            text += ", ETA \(remaining / 60):\(String(remaining % 60).leftPadded(to: 2))"
        }
        Diagnostics.raw("\r\u{1B}[K" + text)
        shown = true
    }

    /// Removes the line before anything else is printed.
    func clear() {
        guard shown else { return }
        Diagnostics.raw("\r\u{1B}[K")
        shown = false
    }

    static func megabytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_000_000
        return value >= 100 ? "\(Int(value)) MB" : "\((value * 10).rounded() / 10) MB"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
