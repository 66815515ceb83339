import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym verify`: scans pseudonymized output for anything that can still be a client address.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check pseudonymized output for addresses that the method in force would not have left.",
        discussion: """
            Every line is scanned for address-looking tokens, as written and with its escapes decoded as the \
            anonymizer decodes them (%XX round after round, so 81%2E2%2E69%2E7 and %252E are seen; \\xXX; \\u00XX). \
            A finding is a token that the method the output was written under would not have left:

            truncate: an address with bits set past the prefix. An IPv4-mapped address is its IPv4 address, and the \
            IPv4 address inside a 6to4 or NAT64 address must be truncated too.

            hmac: an IPv4 address outside 240.0.0.0/5 or an IPv6 address outside 2001:db8::/32 (the pseudonym \
            ranges).

            Under both, an address that names no host is not a finding: N.0.0.0 (the Chrome/120.0.0.0 version in \
            user agents), 0.0.0.0/8 and ::. cryptopan output maps addresses to routable-looking addresses and cannot be checked by \
            scanning. Only counts and line numbers are reported, never an address or a line's content.

            A directory is walked for every file named *.log or *.log.gz (gzip is recognised by content); with \
            --config and no path, the configuration's output directory is checked under its method.

            Examples:
              logonym verify anon.log.gz
              logonym verify --preset strict /srv/anon
              logonym verify --method hmac --json /srv/anon/site1
              logonym verify --config /etc/logonym/logonym.toml

            With --config, the check is recorded as a read in the state directory's audit log first.

            Exit codes: 0 nothing found; 1 something found, or some input failed (the others were checked \
            completely); 2 usage or configuration error; 4 the read could not be recorded in the audit log.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Output files (plain, gzip, or age-encrypted with --config) or directories (every *.log, *.log.gz and *.log.gz.age under them).",
            valueName: "path"
        )
    )
    var paths: [String] = []

    @Option(
        help: ArgumentHelp(
            "A configuration file: its output directory (when no path is given), method and prefixes.",
            valueName: "path"
        )
    )
    var config: String?

    @OptionGroup var addressing: MethodOptions

    @Flag(help: "Print one JSON object (files, totals, method) instead of text.")
    var json = false

    func run() throws {
        let (method, prefixes, outputDirectory, stateDirectory) = try settings()
        guard let verifier = OutputVerifier(method: method, prefixes: prefixes) else {
            throw CommandFailure.usage(
                "cryptopan output cannot be checked by scanning: it maps addresses to routable-looking addresses, "
                    + "so a pseudonym and a real address look alike"
            )
        }
        var targets = paths
        if targets.isEmpty, let outputDirectory { targets = [outputDirectory] }
        guard !targets.isEmpty else {
            throw CommandFailure.usage("give the files or directories to check, or --config")
        }
        // The configuration's output is pseudonymized data of its state directory: the read goes into its audit log
        // before anything is checked.
        if let stateDirectory, FileManager.default.fileExists(atPath: stateDirectory + "/state.db") {
            try ReadTrace.record(
                .read("verify", note: targets.joined(separator: " ")),
                stateDirectory: stateDirectory,
                store: try StateStore(directory: stateDirectory, reader: true)
            )
        }
        var report = VerifyReport(method: method, prefixes: prefixes)
        // Encrypted segments (NAME.log.gz.age) are opened with the state directory's window identities.
        let keys = SegmentKeys(stateDirectory: stateDirectory)
        let reader = LineReader()
        for target in targets {
            var isDirectory: ObjCBool = false
            guard target != "-", FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                add(check(target, verifier: verifier, reader: reader, keys: keys), to: &report)
                continue
            }
            let (files, errors) = LogFileFinder.find(under: target)
            for error in errors {
                Diagnostics.error(error.description)
                add(VerifyReport.File(path: error.path, error: error.message), to: &report)
            }
            if files.isEmpty && errors.isEmpty {
                Diagnostics.error("\(target): no *.log or *.log.gz file under it")
            }
            for file in files { add(check(file, verifier: verifier, reader: reader, keys: keys), to: &report) }
        }
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print(report.totalLine())
        }
        if report.failed { throw ExitCode(1) }
    }

    /// Adds a file to the report; the text report prints its line now.
    private func add(_ file: VerifyReport.File, to report: inout VerifyReport) {
        report.add(file)
        if !json { print(VerifyReport.line(file)) }
    }

    /// The method, the prefixes and (with `--config`) the output and state directories.
    private func settings() throws -> (AnonymizationMethod, TruncationPrefixes, String?, String?) {
        guard let config else {
            return (try addressing.resolvedMethod(), try addressing.resolvedPrefixes(), nil, nil)
        }
        if addressing.isGiven {
            throw CommandFailure.usage(
                "--method, --preset and the prefixes come from --config \(config); give one or the other"
            )
        }
        let engine = try ConfigFile.loadOrExit(config).engine
        return (engine.method, engine.prefixes, engine.outputDirectory, engine.stateDirectory)
    }

    /// Scans one file; a file that cannot be opened or read to its end is reported (with the lines before).
    private func check(
        _ path: String,
        verifier: OutputVerifier,
        reader: LineReader,
        keys: SegmentKeys
    ) -> VerifyReport.File {
        let source: any ByteSource
        do {
            source =
                path == "-"
                ? try InputOpener.open(path, readAhead: true)
                : try InputOpener.openSegment(path, readAhead: true) { () throws(LogonymIOError) in
                    try keys.identities(for: path)
                }
        } catch {
            Diagnostics.error(error.description)
            return VerifyReport.File(path: path, error: error.message)
        }
        var file = VerifyReport.File(path: path)
        var lineFindings = 0
        let outcome = reader.read(
            source,
            cut: { FallbackScanner.safeCut($0, from: 0, to: $0.count) },
            { piece, line, lineEnds in
                lineFindings += verifier.findings(in: piece, from: 0, to: piece.count)
                if lineEnds {
                    file.add(line: line, findings: lineFindings)
                    lineFindings = 0
                }
            }
        )
        file.lines = outcome.lines
        if let error = outcome.error {
            Diagnostics.error(error.description)
            file.error = error.message
        }
        return file
    }
}
