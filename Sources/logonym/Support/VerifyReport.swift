import LogonymCore

/// What `verify` found: counts and line numbers per file, never an address or a line's content.
struct VerifyReport: Encodable {
    /// One checked file (or a path that could not be checked).
    struct File: Encodable {
        var path: String
        var lines = 0
        /// Distinct finding addresses per line, summed over the lines.
        var findings = 0
        var linesWithFindings = 0
        /// The first ``VerifyReport/maxFindingLines`` line numbers with findings (all of them when
        /// `finding_lines.count == lines_with_findings`).
        var findingLines: [Int] = []
        /// Why the file could not be read to its end (its counts cover the lines before).
        var error: String?

        init(path: String, error: String? = nil) {
            self.path = path
            self.error = error
        }

        /// Counts one line.
        mutating func add(line: Int, findings count: Int) {
            guard count > 0 else { return }
            findings += count
            linesWithFindings += 1
            if findingLines.count < VerifyReport.maxFindingLines { findingLines.append(line) }
        }
    }

    struct Prefixes: Encodable {
        var ipv4: Int
        var ipv6: Int
    }

    struct Totals: Encodable {
        var files = 0
        var lines = 0
        var findings = 0
        var filesWithFindings = 0
        var filesFailed = 0
    }

    /// Line numbers kept per file (memory stays bounded however much is found).
    static let maxFindingLines = 1000
    /// Line numbers shown per file in the text report.
    static let shownFindingLines = 20

    var method: AnonymizationMethod
    /// The prefixes of `truncate`.
    var prefixes: Prefixes?
    var files: [File] = []
    var totals = Totals()

    init(method: AnonymizationMethod, prefixes: TruncationPrefixes) {
        self.method = method
        self.prefixes = method == .truncate ? Prefixes(ipv4: prefixes.ipv4, ipv6: prefixes.ipv6) : nil
    }

    /// Whether the run found something or could not check everything.
    var failed: Bool { totals.findings > 0 || totals.filesFailed > 0 }

    /// Adds a file's results to the report and the totals.
    mutating func add(_ file: File) {
        files.append(file)
        totals.files += 1
        totals.lines += file.lines
        totals.findings += file.findings
        if file.findings > 0 { totals.filesWithFindings += 1 }
        if file.error != nil { totals.filesFailed += 1 }
    }

    /// `PATH: 3000 lines, 2 findings on lines 17, 230`, and what stopped the file early.
    static func line(_ file: File) -> String {
        var text = "\(file.path): \(count(file.lines, "line")), \(count(file.findings, "finding"))"
        let shown = file.findingLines.prefix(shownFindingLines).map(String.init).joined(separator: ", ")
        if file.linesWithFindings > shownFindingLines {
            text += " on \(file.linesWithFindings) lines, first \(shown), ..."
        } else if file.linesWithFindings > 0 {
            text += " on line\(file.linesWithFindings == 1 ? "" : "s") \(shown)"
        }
        if let error = file.error { text += "; not checked to the end: \(error)" }
        return text
    }

    /// `total: 3 files, 9000 lines, 2 findings in 1 file (truncate /24 /48)`.
    func totalLine() -> String {
        var text = "total: \(Self.count(totals.files, "file")), \(Self.count(totals.lines, "line")), "
        text += Self.count(totals.findings, "finding")
        if totals.findings > 0 { text += " in \(Self.count(totals.filesWithFindings, "file"))" }
        if totals.filesFailed > 0 { text += ", \(Self.count(totals.filesFailed, "file")) failed" }
        let method = prefixes.map { "truncate /\($0.ipv4) /\($0.ipv6)" } ?? self.method.rawValue
        return text + " (\(method))"
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
