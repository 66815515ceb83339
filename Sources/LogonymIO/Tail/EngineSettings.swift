public import LogonymCore

/// One input of the daemon: files by glob, followed like `tail -F`.
public struct InputSettings: Sendable, Equatable {
    /// Where an input's lines come from.
    public enum Source: Sendable, Equatable {
        /// Files by glob, followed like `tail -F`: exactly once.
        case files
        /// Syslog datagrams (nginx `access_log syslog:server=unix:...`) on a Unix socket and optionally UDP on
        /// loopback: what was committed is never lost; what is in flight when the process is killed can be.
        case syslog(socket: String?, udp: String?, socketMode: UInt16)
        /// Standard input of `logonym pipe` (Apache `CustomLog "|..."`), same guarantee as syslog.
        case pipe
    }

    /// The input's name: its folder under the output directory, its key in the state database.
    public var name: String
    /// Where its lines come from.
    public var source: Source = .files
    /// Glob patterns of the live files.
    public var paths: [String]
    /// The format, or the formats to detect among from the first file's first lines.
    public var format: FormatChoice
    /// Read a file never seen before from its end instead of its beginning (first adoption of a huge live log).
    public var startAtEnd: Bool
    /// The tenant all of the input's lines belong to (`[[input]] tenant`); `nil`: each line's virtual host says
    /// (with tenants configured).
    public var tenant: String?
    /// logrotate's `olddir`: the directory rotated files are moved to, relative to each live file's directory
    /// (as logrotate resolves it) or absolute. Rotated files are looked for there as well as beside the live file.
    public var olddir: String?

    public init(
        name: String,
        paths: [String],
        format: FormatChoice,
        startAtEnd: Bool = false,
        olddir: String? = nil,
        source: Source = .files
    ) {
        self.source = source
        self.olddir = olddir
        self.name = name
        self.paths = paths
        self.format = format
        self.startAtEnd = startAtEnd
    }

    /// Globs of where the input's files live and are rotated to: ``paths``, and with ``olddir`` the same names in
    /// it (rotated copies add a suffix to these names).
    public var rotationPatterns: [String] {
        guard let olddir else { return paths }
        return paths + paths.map { Glob.resolve(olddir: olddir, of: $0) + "/" + Glob.split($0).name }
    }
}

/// Everything the tailing engine needs, resolved from the configuration file.
public struct EngineSettings: Sendable {
    public var stateDirectory: String
    public var outputDirectory: String
    public var window: WindowLength
    public var compress: Bool
    public var compressionLevel: Int32
    public var method: AnonymizationMethod
    public var prefixes: TruncationPrefixes
    /// Where window keys come from.
    public var keyMode: KeyMode
    /// What retention sweeps delete; the daemon runs one every ``sweepInterval``.
    public var retention: RetentionPolicy = RetentionPolicy()
    public var sweepInterval: Duration = .seconds(300)
    /// Geo buckets per line (`nil`: off).
    public var geo: GeoSettings?
    /// The scrub stage (`nil`: off).
    public var scrub: ScrubSettings? = ScrubSettings()
    public var outputFormat: OutputFormat
    public var unparsablePolicy: UnparsablePolicy
    public var maxLineBytes: Int
    public var json: JSONLineFormat
    public var inputs: [InputSettings]
    /// The hosting customers (`[[tenant]]`); empty: one scope for every line, as without tenants.
    public var tenants: [TenantSettings] = []
    /// Where lines whose virtual host matches no tenant go: a tenant's name (`[tenants] unrouted = "NAME"`), or
    /// `nil` to drop them, counted as `unrouted`.
    public var unroutedTenant: String?
    /// The tenant these settings are scoped to (``scoped(to:)``); `nil` for the configuration as a whole.
    public var tenant: String?
    /// `output.group`: the group output segments are handed to (mode 0640 either way).
    public var outputGroup: UInt32?
    /// `state.group`: the group that may read `state.db` (0640) to run `stats`.
    public var stateGroup: UInt32?
    /// `[output] encrypt = "window"`: closed segments are encrypted (age) to their window's identity and to these
    /// extra recipients (`nil`: segments stay plain gzip).
    public var encryptRecipients: [AgeRecipient]?
    /// Segments whose window ended this long before the newest line (line time) are closed.
    public var closeGraceSeconds: Int64 = 300
    /// The most of one line held in memory; a longer line is skipped and counted as too long.
    public var holdLimit: Int { maxLineBytes * 4 }
    /// How the daemon's sources are cut into lines.
    var lineFramer: LineFramer { LineFramer(maxLineBytes: maxLineBytes, holdLimit: holdLimit) }

    public init(
        stateDirectory: String,
        outputDirectory: String,
        window: WindowLength,
        compress: Bool,
        compressionLevel: Int32 = 6,
        method: AnonymizationMethod,
        prefixes: TruncationPrefixes,
        keyMode: KeyMode,
        outputFormat: OutputFormat = .same,
        unparsablePolicy: UnparsablePolicy = .scrub,
        maxLineBytes: Int = 64 * 1024,
        json: JSONLineFormat = JSONLineFormat(),
        inputs: [InputSettings]
    ) {
        self.stateDirectory = stateDirectory
        self.outputDirectory = outputDirectory
        self.window = window
        self.compress = compress
        self.compressionLevel = compressionLevel
        self.method = method
        self.prefixes = prefixes
        self.keyMode = keyMode
        self.outputFormat = outputFormat
        self.unparsablePolicy = unparsablePolicy
        self.maxLineBytes = maxLineBytes
        self.json = json
        self.inputs = inputs
    }
}
