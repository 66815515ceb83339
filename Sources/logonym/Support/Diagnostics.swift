import Glibc

/// logonym's own messages on standard error: `logonym: <path>: <what went wrong>`, never log content.
enum Diagnostics {
    /// Whether standard error is a terminal.
    static let stderrIsTerminal = isatty(2) == 1

    static func error(_ message: String) {
        raw("logonym: \(message)\n")
    }

    static func raw(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
