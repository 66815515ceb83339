import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym anonymize`: a one-off run over files or standard input.
struct Anonymize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anonymize",
        abstract: "Pseudonymize access logs (plain or gzip) into one output.",
        discussion: """
            Every client address and forwarded-for address is truncated or replaced by a keyed pseudonym. The scrub \
            stage (on by default) replaces personal data in request URIs and referrers (values of parameters such \
            as email, token or password; e-mail and IP addresses, card numbers, IBANs, JWTs anywhere) with \
            [Filtered]; every other byte of a line is kept. A line that does not match the format is scrubbed of \
            every address-looking token (or dropped with --on-unparsable drop) and counted.

            Examples:
              logonym anonymize access.log.1.gz access.log -o access-anon.log.gz
              tail -F access.log | logonym anonymize --format combined --summary none
              logonym anonymize --method hmac --key-file /etc/logonym/key --output-format json a.log
              logonym anonymize --window 1h --output-dir /srv/anon --state-dir /var/lib/logonym /archive/*.gz
              logonym anonymize --config /etc/logonym/logonym.toml --tenant acme --source archive /archive/acme/*.gz

            With --window, a rerun over the same files (same --state-dir and --source) reads each line once: \
            inputs read to their end are skipped, an interrupted one is resumed where its committed lines end, one \
            that grew is continued, and an input given twice (by any path) is read once; --force reads again.

            Exit codes: 0 success; 1 some input failed (the others were processed completely); 2 usage or \
            configuration error (nothing written); 3 the output could not be written.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Input files, plain or gzip (recognised by content). '-' or none: standard input.",
            valueName: "input"
        )
    )
    var inputs: [String] = []

    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Output file; a name ending in .gz is written as gzip. Default: standard output.",
            valueName: "path"
        )
    )
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Input format: \(FormatChoice.names.joined(separator: ", ")).",
            valueName: "name"
        )
    )
    var format: String = "auto"

    @Option(
        name: .customLong("log-format"),
        help: ArgumentHelp(
            "A custom format in nginx log_format syntax ($remote_addr ...) or Apache LogFormat syntax (%h ...).",
            valueName: "format"
        )
    )
    var logFormat: String?

    @Option(
        name: .customLong("json-address-key"),
        help: ArgumentHelp("Another JSON key holding an address (repeatable).", valueName: "key")
    )
    var jsonAddressKeys: [String] = []

    @OptionGroup var addressing: MethodOptions

    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "32-byte key (raw or 64 hex characters, mode 0600) for hmac and cryptopan.",
            valueName: "path"
        )
    )
    var keyFile: String?

    @Option(
        name: .customLong("output-format"),
        help: ArgumentHelp("same (the input's format) or json (one object per line).", valueName: "name")
    )
    var outputFormat: String = "same"

    @Option(
        name: .customLong("on-unparsable"),
        help: ArgumentHelp("scrub (replace every address-looking token) or drop.", valueName: "action")
    )
    var onUnparsable: String = "scrub"

    @Option(
        name: .customLong("max-line-bytes"),
        help: ArgumentHelp("Longer lines are scrubbed in pieces (or dropped), never split.", valueName: "bytes")
    )
    var maxLineBytes: Int = 64 * 1024

    @Option(
        name: .customLong("compression-level"),
        help: ArgumentHelp("gzip level for a .gz output, 1 (fastest) to 9.", valueName: "level")
    )
    var compressionLevel: Int = 6

    @Option(
        help: ArgumentHelp(
            "Threads processing the lines of each input file and compressing a .gz output (default: one per CPU); the output is the same with 1.",
            valueName: "count"
        )
    )
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Write window segments (OUTPUT-DIR/SOURCE/2026-11-27T10.log.gz), each window under its own key, instead of one output: 1h or 1d.",
            valueName: "length"
        )
    )
    var window: String?

    @Option(
        name: .customLong("output-dir"),
        help: ArgumentHelp("With --window: where segments go.", valueName: "dir")
    )
    var outputDirectory: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "With --window: the state database and the ephemeral window keys (a daemon's state.dir works).",
            valueName: "dir"
        )
    )
    var stateDirectory: String?

    @Option(
        help: ArgumentHelp(
            "With --window: window to encrypt each segment once closed (NAME.log.gz.age, age v1) to its window's identity, kept in --state-dir until output retention destroys it.",
            valueName: "mode"
        )
    )
    var encrypt: String?

    @Option(
        parsing: .singleValue,
        help: ArgumentHelp(
            "With --encrypt: also encrypt to this age recipient (age1..., a controller's key that retention does not destroy); may be repeated.",
            valueName: "age1..."
        )
    )
    var recipient: [String] = []

    @Option(help: ArgumentHelp("With --window: the source's folder name under --output-dir.", valueName: "name"))
    var source: String = "batch"

    @Option(
        help: ArgumentHelp(
            "Window segments as the daemon of this configuration writes them: its state and output directories, window, method, keys and scrub and geo settings (instead of --window, --output-dir, --state-dir and the method, key, scrub and geo flags).",
            valueName: "path"
        )
    )
    var config: String?

    @Option(
        help: ArgumentHelp(
            "With --config: every line belongs to this tenant (OUTPUT-DIR/TENANT/SOURCE, the tenant's method, keys, scrub and geo).",
            valueName: "name"
        )
    )
    var tenant: String?

    @Flag(
        help: ArgumentHelp(
            "With --window: read every input from its start, even one an earlier run with the same --state-dir and --source read (its lines are written again). Without it, a rerun skips inputs read to their end, resumes interrupted ones where they stopped and continues grown ones; an input given twice is read once."
        )
    )
    var force = false

    @Option(
        name: .customLong("key-mode"),
        help: ArgumentHelp(
            "With --window: ephemeral (random per window, in --state-dir) or derived (HKDF of --key-file per window). Default: derived when --key-file is given.",
            valueName: "mode"
        )
    )
    var keyMode: String?

    @Option(
        help: ArgumentHelp(
            "Geolocation database for coarse buckets: auto, a .mmdb file, or the Tor geoip files (or their directory).",
            valueName: "path"
        )
    )
    var geo: String?

    @Option(
        name: .customLong("geo-asn"),
        help: ArgumentHelp(
            "A separate AS-number database (.mmdb) for --geo-level country+asn, or auto.",
            valueName: "path"
        )
    )
    var geoASN: String?

    @Option(
        name: .customLong("geo-level"),
        help: ArgumentHelp(
            "What each line carries: continent, country (the default) or country+asn.",
            valueName: "level"
        )
    )
    var geoLevel: String?

    @Option(
        name: .customLong("geo-field"),
        help: ArgumentHelp(
            "append: same-format lines get a trailing \"geo=EU/DE\" field; none (the default): only JSON output and the summary carry buckets.",
            valueName: "mode"
        )
    )
    var geoField: String?

    @Option(
        name: .customLong("geo-k"),
        help: ArgumentHelp(
            "The summary reports a bucket only with at least this many distinct clients (default: 10).",
            valueName: "k"
        )
    )
    var geoK: Int?

    @Option(
        help: ArgumentHelp(
            "Scrub personal data from request URIs and referrers (query values by name, e-mail, IP, card, IBAN, JWT, bearer, userinfo): on or off.",
            valueName: "on|off"
        )
    )
    var scrub: String = "on"

    @Option(
        name: .customLong("scrub-mode"),
        help: ArgumentHelp(
            "denylist: listed parameter names lose their values, detectors run on the rest; allowlist: only utm_*, ref, source and page keep theirs.",
            valueName: "mode"
        )
    )
    var scrubMode: String = "denylist"

    @Option(name: .customLong("scrub-marker"), help: ArgumentHelp("What replaces a scrubbed value.", valueName: "text"))
    var scrubMarker: String = "[Filtered]"

    @Option(
        name: .customLong("remote-user"),
        help: ArgumentHelp("The remote user field: keep, hash (a keyed token) or drop (-).", valueName: "action")
    )
    var remoteUser: String = "keep"

    @Option(
        name: .customLong("user-agent"),
        help: ArgumentHelp(
            "keep, or family (browser and major version, OS: Chrome/120 (Windows)).",
            valueName: "action"
        )
    )
    var userAgent: String = "keep"

    @Option(
        name: .customLong("metrics-textfile"),
        help: ArgumentHelp(
            "Also write the run's counters as Prometheus metrics to this file (node_exporter's textfile collector), replaced atomically.",
            valueName: "path"
        )
    )
    var metricsTextfile: String?

    @Option(help: ArgumentHelp("The closing summary on standard error: text, json or none.", valueName: "kind"))
    var summary: String = "text"

    @Flag(name: .customLong("no-progress"), help: "No progress line, even on a terminal.")
    var noProgress = false

    func run() throws {
        let settings = try AnonymizeSettings(self)
        let exitCode = try BatchRunner(settings: settings).run()
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
