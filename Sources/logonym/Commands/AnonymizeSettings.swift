import Foundation
import LogonymCore
import LogonymIO

/// `anonymize`'s options, checked and turned into typed values; every problem is a usage error (exit 2).
struct AnonymizeSettings {
    var inputs: [String]
    var output: String?
    /// nil: detect per input.
    var format: FormatChoice
    var json: JSONLineFormat
    var method: AnonymizationMethod
    var prefixes: TruncationPrefixes
    var key: PseudonymKey?
    var outputFormat: OutputFormat
    var unparsablePolicy: UnparsablePolicy
    var maxLineBytes: Int
    var compressionLevel: Int32
    var threads: Int
    var summary: SummaryKind
    var showProgress: Bool
    /// `--window`: segments per window under per-window keys.
    var windowed: Windowed?
    /// `--force`: inputs earlier windowed runs read are read again.
    var force: Bool
    /// `--geo`: buckets from these databases (`nil`: geo is off).
    var geo: GeoSettings?
    /// `--metrics-textfile`.
    var metricsTextfile: String?
    /// The scrub stage (`nil`: `--scrub off`).
    var scrub: ScrubSettings?

    struct Windowed {
        var window: WindowLength
        var outputDirectory: String
        var stateDirectory: String
        var source: String
        var keyMode: KeyMode
        /// The tenant whose segments and keys these are (`--config --tenant`).
        var tenant: String? = nil
        /// `--encrypt window` with its `--recipient`s (`nil`: plain segments).
        var encryptRecipients: [AgeRecipient]?
    }

    enum SummaryKind: String, CaseIterable {
        case text, json, none
    }

    init(_ options: Anonymize) throws {
        inputs = options.inputs.isEmpty ? ["-"] : options.inputs
        output = options.output == "-" ? nil : options.output
        json = JSONLineFormat(extraAddressKeys: options.jsonAddressKeys)
        if let custom = options.logFormat {
            format = try SettingRule.flag("--log-format") {
                try SettingRule.logFormat(custom)
            }
        } else {
            let json = json
            format = try SettingRule.flag("--format") {
                try SettingRule.format(options.format, json: json)
            }
        }
        method = try options.addressing.resolvedMethod()
        prefixes = try options.addressing.resolvedPrefixes()
        windowed = nil
        var configured: EngineSettings?
        if let config = options.config {
            let scope = try Self.configured(options, config)
            configured = scope
            method = scope.method
            prefixes = scope.prefixes
            windowed = Windowed(
                window: scope.window,
                outputDirectory: scope.outputDirectory,
                stateDirectory: scope.stateDirectory,
                source: try SettingRule.flag("--source") { try SettingRule.folderName(options.source) },
                keyMode: scope.method.needsKey ? scope.keyMode : .none,
                tenant: scope.tenant,
                encryptRecipients: scope.encryptRecipients
            )
            key = nil
        } else if options.tenant != nil {
            throw CommandFailure.usage("--tenant goes with --config (the configuration that names the tenant)")
        } else if let windowText = options.window {
            windowed = try Self.windowed(options, windowText, method: method)
            key = nil
        } else if method.needsKey {
            guard let keyFile = options.keyFile else {
                throw CommandFailure.usage("--method \(method.rawValue) needs --key-file (32 random bytes, mode 0600)")
            }
            do {
                key = try KeyFile.load(keyFile)
            } catch {
                throw CommandFailure.usage(error.description)
            }
        } else {
            key = nil
        }
        outputFormat = try SettingRule.flag("--output-format") {
            try SettingRule.outputFormat(options.outputFormat)
        }
        unparsablePolicy = try SettingRule.flag("--on-unparsable") {
            try SettingRule.unparsablePolicy(options.onUnparsable)
        }
        maxLineBytes = try SettingRule.flag("--max-line-bytes") {
            try SettingRule.maxLineBytes(options.maxLineBytes)
        }
        compressionLevel = try SettingRule.flag("--compression-level") {
            try SettingRule.compressionLevel(options.compressionLevel)
        }
        let threads = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        self.threads = try SettingRule.flag("--threads") {
            try SettingRule.within(threads, 1...256)
        }
        summary = try SettingRule.flag("--summary") {
            try SettingRule.choice(options.summary, "a summary kind")
        }
        showProgress = !options.noProgress && Diagnostics.stderrIsTerminal
        geo = try Self.geo(options)
        metricsTextfile = options.metricsTextfile
        switch options.scrub {
        case "on": scrub = try Self.scrub(options, method: method)
        case "off": scrub = nil
        default:
            let problem = SettingRule.notOneOf(options.scrub, "a scrub switch", ["on", "off"])
            throw CommandFailure.usage("--scrub: \(problem)")
        }
        if let configured {
            geo = configured.geo
            scrub = configured.scrub
        }
        if windowed == nil && (options.outputDirectory != nil || options.stateDirectory != nil) {
            throw CommandFailure.usage("--output-dir and --state-dir go with --window")
        }
        if windowed == nil && options.force {
            throw CommandFailure.usage("--force goes with --window (a run without it keeps no record of its inputs)")
        }
        force = options.force
        if let output, inputs.contains(output) {
            throw CommandFailure.usage("\(output): the output is also an input")
        }
    }
}

extension AnonymizeSettings {
    /// The bits `truncate` keeps, from `--preset` (default `ga`) and then `--ipv4-prefix` and `--ipv6-prefix`
    /// (shared by `anonymize` and `verify`).
    static func prefixes(preset: String?, ipv4: Int?, ipv6: Int?) throws -> TruncationPrefixes {
        var prefixes = TruncationPrefixes.ga
        if let preset {
            prefixes = try SettingRule.flag("--preset") { try SettingRule.preset(preset) }
        }
        if let bits = ipv4 {
            prefixes.ipv4 = try SettingRule.flag("--ipv4-prefix") {
                try SettingRule.prefix(bits, ipv6: false)
            }
        }
        if let bits = ipv6 {
            prefixes.ipv6 = try SettingRule.flag("--ipv6-prefix") {
                try SettingRule.prefix(bits, ipv6: true)
            }
        }
        return prefixes
    }

    /// The scrub stage's flags (with `--scrub on`).
    static func scrub(_ options: Anonymize, method: AnonymizationMethod) throws -> ScrubSettings {
        var scrub = ScrubSettings()
        scrub.mode = try SettingRule.flag("--scrub-mode") {
            try SettingRule.scrubMode(options.scrubMode, offAllowed: false) ?? .denylist
        }
        scrub.marker = try SettingRule.flag("--scrub-marker") {
            try SettingRule.marker(options.scrubMarker)
        }
        scrub.remoteUser = try SettingRule.flag("--remote-user") {
            try SettingRule.remoteUser(options.remoteUser, method: method)
        }
        scrub.userAgent = try SettingRule.flag("--user-agent") {
            try SettingRule.userAgent(options.userAgent)
        }
        return scrub
    }
}

extension AnonymizeSettings {
    /// `--window` with its directories and key mode.
    static func windowed(_ options: Anonymize, _ text: String, method: AnonymizationMethod) throws -> Windowed {
        let window = try SettingRule.flag("--window") { try SettingRule.window(text) }
        guard options.output == nil else {
            throw CommandFailure.usage("--window writes segments under --output-dir; -o/--output goes without it")
        }
        guard let outputDirectory = options.outputDirectory else {
            throw CommandFailure.usage("--window needs --output-dir (where the window segments go)")
        }
        guard let stateDirectory = options.stateDirectory else {
            throw CommandFailure.usage(
                "--window needs --state-dir (segment lengths, and the ephemeral keys of hmac and cryptopan)"
            )
        }
        let source = try SettingRule.flag("--source") {
            try SettingRule.folderName(options.source)
        }
        var keyMode = KeyMode.none
        if method.needsKey {
            let name = options.keyMode ?? (options.keyFile == nil ? "ephemeral" : "derived")
            switch try SettingRule.flag("--key-mode", { try SettingRule.keyMode(name) }) {
            case .ephemeral:
                if options.keyFile != nil {
                    throw CommandFailure.usage(
                        "--key-file is the master secret of --key-mode derived; ephemeral keys are made per window"
                    )
                }
                keyMode = .ephemeral
            case .derived:
                guard let keyFile = options.keyFile else {
                    throw CommandFailure.usage("--key-mode derived needs --key-file (the master secret, mode 0600)")
                }
                do {
                    keyMode = .derived(master: try KeyFile.load(keyFile))
                } catch {
                    throw CommandFailure.usage(error.description)
                }
            }
        }
        var encryptRecipients: [AgeRecipient]?
        switch options.encrypt {
        case nil:
            if !options.recipient.isEmpty { throw CommandFailure.usage("--recipient goes with --encrypt window") }
        case let mode?:
            _ = try SettingRule.flag("--encrypt") { () throws -> SettingRule.EncryptMode in
                try SettingRule.choice(mode, "an encryption mode")
            }
            encryptRecipients = try options.recipient.map { text in
                try SettingRule.flag("--recipient") { try SettingRule.recipient(text) }
            }
        }
        return Windowed(
            window: window,
            outputDirectory: outputDirectory,
            stateDirectory: stateDirectory,
            source: source,
            keyMode: keyMode,
            encryptRecipients: encryptRecipients
        )
    }
}

extension AnonymizeSettings {
    /// `--config` (with `--tenant`): the settings of the configuration, or of one of its tenants; the flags it
    /// replaces are refused beside it.
    static func configured(_ options: Anonymize, _ path: String) throws -> EngineSettings {
        let replaced: [(String, Bool)] = [
            ("--window", options.window != nil), ("--output-dir", options.outputDirectory != nil),
            ("--state-dir", options.stateDirectory != nil), ("--key-file", options.keyFile != nil),
            ("--key-mode", options.keyMode != nil), ("--geo", options.geo != nil),
            ("--method", options.addressing.method != nil), ("--preset", options.addressing.preset != nil),
            ("--ipv4-prefix", options.addressing.ipv4Prefix != nil),
            ("--ipv6-prefix", options.addressing.ipv6Prefix != nil), ("--encrypt", options.encrypt != nil),
            ("--recipient", !options.recipient.isEmpty),
        ]
        if let (flag, _) = replaced.first(where: { $0.1 }) {
            throw CommandFailure.usage("\(flag): with --config, the configuration says this")
        }
        let engine = try ConfigFile.loadOrExit(path).engine
        guard let name = options.tenant else {
            guard engine.tenants.isEmpty else {
                throw CommandFailure.usage(
                    "the configuration has tenants: give --tenant NAME (a batch run is not routed by virtual host)"
                )
            }
            return engine
        }
        guard let tenant = engine.tenants.first(where: { $0.name == name }) else {
            throw CommandFailure.usage("--tenant '\(name)': not a tenant of \(path)")
        }
        return engine.scoped(to: tenant)
    }

    /// `--geo` and its companions.
    static func geo(_ options: Anonymize) throws -> GeoSettings? {
        guard let database = options.geo else {
            let companions: [(String, Bool)] = [
                ("--geo-asn", options.geoASN != nil), ("--geo-level", options.geoLevel != nil),
                ("--geo-field", options.geoField != nil), ("--geo-k", options.geoK != nil),
            ]
            if let (flag, _) = companions.first(where: { $0.1 }) {
                throw CommandFailure.usage("\(flag) goes with --geo (the country database to look addresses up in)")
            }
            return nil
        }
        var settings = GeoSettings(database: database, asnDatabase: options.geoASN)
        if let level = options.geoLevel {
            settings.level = try SettingRule.flag("--geo-level") { try SettingRule.geoLevel(level) }
        }
        if let field = options.geoField {
            settings.appendField = try SettingRule.flag("--geo-field") { try SettingRule.geoFieldAppends(field) }
        }
        if let k = options.geoK {
            settings.k = try SettingRule.flag("--geo-k") { try SettingRule.geoK(k) }
        }
        return settings
    }
}
