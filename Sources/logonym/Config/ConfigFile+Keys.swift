import Foundation
import LogonymCore
import LogonymIO

extension ConfigFile {
    /// `anonymize.key_mode` and the master secret of `derived` mode (`key_file`, else the systemd credential).
    mutating func resolveKeyMode(
        _ anonymize: TOMLDocument.Table?,
        method: AnonymizationMethod,
        prefix: String = ""
    ) -> KeyMode {
        let modeEntry = string(anonymize, prefix + "anonymize.key_mode")
        let keyFile = string(anonymize, prefix + "anonymize.key_file")
        let mode = checked(prefix + "anonymize.key_mode", modeEntry?.1) {
            try SettingRule.keyMode(modeEntry?.0 ?? "ephemeral")
        }
        guard let mode else { return .none }
        let derived = mode == .derived
        guard method.needsKey else { return .none }
        guard derived else {
            if let (_, line) = keyFile {
                problem(
                    prefix + "anonymize.key_file",
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
                prefix + "anonymize.key_file",
                line,
                "key_mode = \"derived\" needs a master secret: set key_file or pass the credential logonym.key"
            )
            return .none
        }
        do {
            return .derived(master: try KeyFile.load(path))
        } catch {
            problem(prefix + "anonymize.key_file", line, error.message)
            return .none
        }
    }

    /// `state.group` or `output.group`: a group that exists and that the user logonym runs as belongs to (or root),
    /// since handing a file to a group needs that.
    mutating func group(_ table: TOMLDocument.Table?, _ key: String) -> UInt32? {
        guard let (name, line) = string(table, key) else { return nil }
        var entry = Glibc.group()
        var found: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &found) == 0, found != nil else {
            problem(key, line, "no group named '\(name)'")
            return nil
        }
        let gid = entry.gr_gid
        var groups = [gid_t](repeating: 0, count: Int(max(getgroups(0, nil), 0)))
        groups = Array(groups.prefix(Int(max(getgroups(Int32(groups.count), &groups), 0))))
        if geteuid() != 0 && getegid() != gid && !groups.contains(gid) {
            problem(key, line, "this user (uid \(geteuid())) is not in group '\(name)', so it cannot hand files to it")
            return nil
        }
        return gid
    }

    /// The `[retention]` table: durations such as `"90d"`, or `"off"` where keeping forever is allowed.
    mutating func resolveRetention(
        _ table: TOMLDocument.Table?,
        base: RetentionPolicy = RetentionPolicy(),
        prefix: String = ""
    ) -> (RetentionPolicy, Duration) {
        var policy = base
        policy.output = optionalSeconds(table, prefix + "retention.output", example: "90d", default: policy.output)
        policy.rawInputs = optionalSeconds(
            table,
            prefix + "retention.raw_inputs",
            example: "7d",
            default: policy.rawInputs
        )
        if let (text, line) = string(table, prefix + "retention.keys") {
            if let seconds = seconds(text) {
                policy.keys = seconds
            } else {
                problem(prefix + "retention.keys", line, "'\(text)' is not a duration such as \"2h\"")
            }
        }
        if let (text, line) = string(table, prefix + "retention.audit") {
            if let seconds = seconds(text), seconds > 0 {
                policy.audit = seconds
            } else {
                problem(prefix + "retention.audit", line, "'\(text)' is not a duration such as \"400d\"")
            }
        }
        var interval = Duration.seconds(300)
        if let (text, line) = string(table, prefix + "retention.sweep_interval") {
            if let parsed = Self.duration(text), parsed >= .seconds(1) {
                interval = parsed
            } else {
                problem(
                    prefix + "retention.sweep_interval",
                    line,
                    "'\(text)' is not a duration of at least 1s (e.g. \"5m\")"
                )
            }
        }
        return (policy, interval)
    }

    /// A duration in seconds, `nil` for `"off"`, `default` when the key is absent.
    private mutating func optionalSeconds(
        _ table: TOMLDocument.Table?,
        _ key: String,
        example: String,
        default value: Int64?
    ) -> Int64? {
        guard let (text, line) = string(table, key) else { return value }
        if text == "off" { return nil }
        guard let parsed = seconds(text) else {
            problem(key, line, "'\(text)' is not a duration such as \"\(example)\", or \"off\"")
            return value
        }
        return parsed
    }

    /// The `[geo]` table; the databases are opened (and checked) here, so `check-config` and the daemon's start
    /// report a missing or corrupt one under its key.
    mutating func resolveGeo(_ table: TOMLDocument.Table?, prefix: String = "") -> GeoSettings? {
        guard let table else { return nil }
        var settings = GeoSettings()
        if let (text, _) = string(table, prefix + "geo.database") {
            settings.database = text == "auto" ? text : resolvePath(text)
        }
        if let (text, _) = string(table, prefix + "geo.asn_database") {
            settings.asnDatabase = text == "auto" ? text : resolvePath(text)
        }
        settings.level = string(table, prefix + "geo.line_level", SettingRule.geoLevel) ?? .country
        settings.appendField = string(table, prefix + "geo.field", SettingRule.geoFieldAppends) ?? settings.appendField
        settings.k = integer(table, prefix + "geo.k", SettingRule.geoK) ?? settings.k
        do {
            _ = try GeoDatabases.open(settings)
        } catch {
            let key = error.path == settings.asnDatabase ? prefix + "geo.asn_database" : prefix + "geo.database"
            problem(key, table[String(key.split(separator: ".").last!)]?.line, error.description)
        }
        return settings
    }

    /// `[metrics]`: a loopback address or Unix socket, or any address with `allow_remote = true`.
    mutating func resolveMetrics(_ table: TOMLDocument.Table?) -> (listen: String, allowRemote: Bool)? {
        guard let table else { return nil }
        let allowRemote = bool(table, "metrics.allow_remote") ?? false
        guard let (text, line) = string(table, "metrics.listen") else {
            problem(
                "metrics.listen",
                table.line,
                "missing; e.g. \"127.0.0.1:9464\" or \"unix:/run/logonym/metrics.sock\""
            )
            return nil
        }
        let listen =
            text.hasPrefix("unix:") && !text.hasPrefix("unix:/")
            ? "unix:" + resolvePath(String(text.dropFirst(5))) : text
        guard let address = MetricsServer.Address(listen) else {
            problem("metrics.listen", line, "'\(text)' is not HOST:PORT, [IPv6]:PORT or unix:PATH")
            return nil
        }
        if !address.isLocal && !allowRemote {
            problem(
                "metrics.listen",
                line,
                "'\(text)' is not a loopback address; set metrics.allow_remote = true to serve metrics to the network"
            )
            return nil
        }
        return (listen, allowRemote)
    }

    /// `[scrub]`: on by default with the deny list; `mode = "off"` turns it off.
    mutating func resolveScrub(
        _ table: TOMLDocument.Table?,
        method: AnonymizationMethod,
        prefix: String = ""
    ) -> ScrubSettings? {
        var settings = ScrubSettings()
        guard let table else { return settings }
        switch string(table, prefix + "scrub.mode", { try SettingRule.scrubMode($0, offAllowed: true) }) {
        case .some(nil): return nil
        case .some(let mode?): settings.mode = mode
        case nil: break
        }
        if let names = stringArray(table, prefix + "scrub.deny") { settings.denyNames = names }
        if let names = stringArray(table, prefix + "scrub.extra_deny") { settings.denyNames += names }
        if let names = stringArray(table, prefix + "scrub.keep") { settings.keepNames += names }
        if let names = stringArray(table, prefix + "scrub.allow") { settings.allowNames = names }
        settings.marker = string(table, prefix + "scrub.marker", SettingRule.marker) ?? settings.marker
        settings.remoteUser =
            string(table, prefix + "scrub.remote_user") { text in try SettingRule.remoteUser(text, method: method) }
            ?? .keep
        settings.userAgent = string(table, prefix + "scrub.user_agent", SettingRule.userAgent) ?? .keep
        return settings
    }

    private func seconds(_ text: String) -> Int64? {
        Self.duration(text).map { $0.components.seconds }
    }
}
