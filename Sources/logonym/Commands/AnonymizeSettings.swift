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
    }

    enum SummaryKind: String, CaseIterable {
        case text, json, none
    }

    init(_ options: Anonymize) throws {
        inputs = options.inputs.isEmpty ? ["-"] : options.inputs
        output = options.output == "-" ? nil : options.output
        json = JSONLineFormat(extraAddressKeys: options.jsonAddressKeys)
        if let custom = options.logFormat {
            do {
                let nginx = custom.contains("$") ? custom : try LogFormat.nginxSyntax(fromApache: custom)
                format = .fixed(.text(try LogFormat(nginx: nginx, name: "custom")))
            } catch {
                throw CommandFailure.usage("--log-format: \(error)")
            }
        } else {
            guard let choice = FormatChoice.named(options.format, json: json) else {
                throw CommandFailure.usage(
                    "--format '\(options.format)': must be one of \(FormatChoice.names.joined(separator: ", "))"
                )
            }
            format = choice
        }
        method = try options.addressing.resolvedMethod()
        prefixes = try options.addressing.resolvedPrefixes()
        windowed = nil
        if let windowText = options.window {
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
        outputFormat = try Self.choice(options.outputFormat, "--output-format")
        unparsablePolicy = try Self.choice(options.onUnparsable, "--on-unparsable")
        guard options.maxLineBytes >= 256 && options.maxLineBytes <= 64 << 20 else {
            throw CommandFailure.usage("--max-line-bytes \(options.maxLineBytes): must be 256 to 67108864")
        }
        maxLineBytes = options.maxLineBytes
        guard (1...9).contains(options.compressionLevel) else {
            throw CommandFailure.usage("--compression-level \(options.compressionLevel): must be 1 to 9")
        }
        compressionLevel = Int32(options.compressionLevel)
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        threads = options.threads ?? cpus
        guard (1...256).contains(threads) else { throw CommandFailure.usage("--threads \(threads): must be 1 to 256") }
        summary = try Self.choice(options.summary, "--summary")
        showProgress = !options.noProgress && Diagnostics.stderrIsTerminal
        geo = try Self.geo(options)
        metricsTextfile = options.metricsTextfile
        switch options.scrub {
        case "on":
            var scrub = ScrubSettings()
            scrub.mode = try Self.choice(options.scrubMode, "--scrub-mode")
            scrub.marker = options.scrubMarker
            scrub.remoteUser = try Self.choice(options.remoteUser, "--remote-user")
            scrub.userAgent = try Self.choice(options.userAgent, "--user-agent")
            guard ScrubSettings.isUsableMarker(scrub.marker) else {
                throw CommandFailure.usage("--scrub-marker: \(ScrubSettings.markerRule)")
            }
            if scrub.remoteUser == .hash && method == .truncate {
                throw CommandFailure.usage("--remote-user hash needs a keyed method (--method hmac or cryptopan)")
            }
            self.scrub = scrub
        case "off": scrub = nil
        default: throw CommandFailure.usage("--scrub '\(options.scrub)': must be on or off")
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
    /// A named choice such as `--method`, checked against every allowed value.
    static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ flag: String) throws -> T
    where T.RawValue == String {
        guard let parsed = T(rawValue: value) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw CommandFailure.usage("\(flag) '\(value)': must be one of \(allowed)")
        }
        return parsed
    }

    /// The bits `truncate` keeps, from `--preset` (default `ga`) and then `--ipv4-prefix` and `--ipv6-prefix`
    /// (shared by `anonymize` and `verify`).
    static func prefixes(preset: String?, ipv4: Int?, ipv6: Int?) throws -> TruncationPrefixes {
        var prefixes = TruncationPrefixes.ga
        if let preset {
            guard let named = TruncationPrefixes.presets[preset] else {
                throw CommandFailure.usage("--preset '\(preset)': must be one of strict, ga, anonip")
            }
            prefixes = named
        }
        if let bits = ipv4 {
            if let message = TruncationPrefixes.problem(keeping: bits, ipv6: false) {
                throw CommandFailure.usage("--ipv4-prefix \(bits): \(message)")
            }
            prefixes.ipv4 = bits
        }
        if let bits = ipv6 {
            if let message = TruncationPrefixes.problem(keeping: bits, ipv6: true) {
                throw CommandFailure.usage("--ipv6-prefix \(bits): \(message)")
            }
            prefixes.ipv6 = bits
        }
        return prefixes
    }
}

extension AnonymizeSettings {
    /// `--window` with its directories and key mode.
    static func windowed(_ options: Anonymize, _ text: String, method: AnonymizationMethod) throws -> Windowed {
        guard let window = WindowLength(rawValue: text) else {
            throw CommandFailure.usage("--window '\(text)': must be 1h or 1d")
        }
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
        let source = options.source
        guard !source.isEmpty, !source.contains("/"), !source.hasPrefix(".") else {
            throw CommandFailure.usage("--source '\(source)': cannot name a folder")
        }
        var keyMode = KeyMode.none
        if method.needsKey {
            switch options.keyMode ?? (options.keyFile == nil ? "ephemeral" : "derived") {
            case "ephemeral":
                if options.keyFile != nil {
                    throw CommandFailure.usage(
                        "--key-file is the master secret of --key-mode derived; ephemeral keys are made per window"
                    )
                }
                keyMode = .ephemeral
            case "derived":
                guard let keyFile = options.keyFile else {
                    throw CommandFailure.usage("--key-mode derived needs --key-file (the master secret, mode 0600)")
                }
                do {
                    keyMode = .derived(master: try KeyFile.load(keyFile))
                } catch {
                    throw CommandFailure.usage(error.description)
                }
            case let other:
                throw CommandFailure.usage("--key-mode '\(other)': must be ephemeral or derived")
            }
        }
        return Windowed(
            window: window,
            outputDirectory: outputDirectory,
            stateDirectory: stateDirectory,
            source: source,
            keyMode: keyMode
        )
    }
}

extension AnonymizeSettings {
    /// `--geo` and its companions.
    static func geo(_ options: Anonymize) throws -> GeoSettings? {
        guard let database = options.geo else {
            if options.geoASN != nil { throw CommandFailure.usage("--geo-asn goes with --geo") }
            return nil
        }
        guard let level = GeoLevel(rawValue: options.geoLevel) else {
            throw CommandFailure.usage("--geo-level '\(options.geoLevel)': must be continent, country or country+asn")
        }
        guard options.geoField == "append" || options.geoField == "none" else {
            throw CommandFailure.usage("--geo-field '\(options.geoField)': must be append or none")
        }
        guard options.geoK >= 1 else { throw CommandFailure.usage("--geo-k \(options.geoK): must be at least 1") }
        return GeoSettings(
            database: database,
            asnDatabase: options.geoASN,
            level: level,
            appendField: options.geoField == "append",
            k: options.geoK
        )
    }
}
