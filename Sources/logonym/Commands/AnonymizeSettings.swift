import Foundation
import LogonymCore
import LogonymIO

/// `anonymize`'s options, checked and turned into typed values; every problem is a usage error (exit 2).
struct AnonymizeSettings {
    var inputs: [String]
    var output: String?
    /// nil: detect per input.
    var format: InputFormat?
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

    enum SummaryKind: String, CaseIterable {
        case text, json, none
    }

    init(_ options: Anonymize) throws {
        func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ flag: String) throws -> T
        where T.RawValue == String {
            guard let parsed = T(rawValue: value) else {
                let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
                throw CommandFailure.usage("\(flag) '\(value)': must be one of \(allowed)")
            }
            return parsed
        }
        inputs = options.inputs.isEmpty ? ["-"] : options.inputs
        output = options.output == "-" ? nil : options.output
        json = JSONLineFormat(extraAddressKeys: options.jsonAddressKeys)
        if let custom = options.logFormat {
            do {
                let nginx = custom.contains("$") ? custom : try LogFormat.nginxSyntax(fromApache: custom)
                format = .text(try LogFormat(nginx: nginx, name: "custom"))
            } catch {
                throw CommandFailure.usage("--log-format: \(error)")
            }
        } else {
            switch options.format {
            case "auto": format = nil
            case "json": format = .json(json)
            default:
                guard let builtin = LogFormat.named(options.format) else {
                    throw CommandFailure.usage(
                        "--format '\(options.format)': must be one of auto, combined, common, vhost_combined, nginx-main, json"
                    )
                }
                format = .text(builtin)
            }
        }
        method = try choice(options.method, "--method")
        var prefixes = TruncationPrefixes.ga
        if let preset = options.preset {
            guard let named = TruncationPrefixes.presets[preset] else {
                throw CommandFailure.usage("--preset '\(preset)': must be one of strict, ga, anonip")
            }
            prefixes = named
        }
        if let bits = options.ipv4Prefix {
            guard (0...32).contains(bits) else { throw CommandFailure.usage("--ipv4-prefix \(bits): must be 0 to 32") }
            prefixes.ipv4 = bits
        }
        if let bits = options.ipv6Prefix {
            guard (0...128).contains(bits) else {
                throw CommandFailure.usage("--ipv6-prefix \(bits): must be 0 to 128")
            }
            prefixes.ipv6 = bits
        }
        self.prefixes = prefixes
        if method.needsKey {
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
        outputFormat = try choice(options.outputFormat, "--output-format")
        unparsablePolicy = try choice(options.onUnparsable, "--on-unparsable")
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
        summary = try choice(options.summary, "--summary")
        showProgress = !options.noProgress && Diagnostics.stderrIsTerminal
        if let output, inputs.contains(output) {
            throw CommandFailure.usage("\(output): the output is also an input")
        }
    }
}
