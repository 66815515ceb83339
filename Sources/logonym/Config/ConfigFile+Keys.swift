import Foundation
import LogonymCore
import LogonymIO

extension ConfigFile {
    /// `anonymize.key_mode` and the master secret of `derived` mode (`key_file`, else the systemd credential).
    mutating func resolveKeyMode(_ anonymize: TOMLDocument.Table?, method: AnonymizationMethod) -> KeyMode {
        let modeEntry = string(anonymize, "anonymize.key_mode")
        let keyFile = string(anonymize, "anonymize.key_file")
        let derived: Bool
        switch modeEntry?.0 ?? "ephemeral" {
        case "ephemeral": derived = false
        case "derived": derived = true
        default:
            problem("anonymize.key_mode", modeEntry?.1, "'\(modeEntry!.0)' must be \"ephemeral\" or \"derived\"")
            return .none
        }
        guard method.needsKey else { return .none }
        guard derived else {
            if let (_, line) = keyFile {
                problem(
                    "anonymize.key_file",
                    line,
                    "is read only with key_mode = \"derived\"; ephemeral keys (the default) are made per window in the state directory. Remove key_file or set key_mode = \"derived\""
                )
            }
            return .ephemeral
        }
        let path: String
        var line = keyFile?.1
        if let (keyPath, _) = keyFile {
            path = resolvePath(keyPath)
        } else if let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
            FileManager.default.fileExists(atPath: credentials + "/logonym.key")
        {
            path = credentials + "/logonym.key"
        } else {
            line = modeEntry?.1
            problem(
                "anonymize.key_file",
                line,
                "key_mode = \"derived\" needs a master secret: set key_file or pass the credential logonym.key"
            )
            return .none
        }
        do {
            return .derived(master: try KeyFile.load(path))
        } catch {
            problem("anonymize.key_file", line, error.message)
            return .none
        }
    }

    /// The `[retention]` table: durations such as `"90d"`, or `"off"` where keeping forever is allowed.
    mutating func resolveRetention(_ table: TOMLDocument.Table?) -> (RetentionPolicy, Duration) {
        var policy = RetentionPolicy()
        if let (text, line) = string(table, "retention.output") {
            if text == "off" {
                policy.output = nil
            } else if let seconds = seconds(text) {
                policy.output = seconds
            } else {
                problem("retention.output", line, "'\(text)' is not a duration such as \"90d\", or \"off\"")
            }
        }
        if let (text, line) = string(table, "retention.raw_inputs") {
            if text == "off" {
                policy.rawInputs = nil
            } else if let seconds = seconds(text) {
                policy.rawInputs = seconds
            } else {
                problem("retention.raw_inputs", line, "'\(text)' is not a duration such as \"7d\", or \"off\"")
            }
        }
        if let (text, line) = string(table, "retention.keys") {
            if let seconds = seconds(text) {
                policy.keys = seconds
            } else {
                problem("retention.keys", line, "'\(text)' is not a duration such as \"2h\"")
            }
        }
        if let (text, line) = string(table, "retention.audit") {
            if let seconds = seconds(text), seconds > 0 {
                policy.audit = seconds
            } else {
                problem("retention.audit", line, "'\(text)' is not a duration such as \"400d\"")
            }
        }
        var interval = Duration.seconds(300)
        if let (text, line) = string(table, "retention.sweep_interval") {
            if let parsed = Self.duration(text), parsed >= .seconds(1) {
                interval = parsed
            } else {
                problem("retention.sweep_interval", line, "'\(text)' is not a duration of at least 1s (e.g. \"5m\")")
            }
        }
        return (policy, interval)
    }

    private func seconds(_ text: String) -> Int64? {
        Self.duration(text).map { $0.components.seconds }
    }
}
