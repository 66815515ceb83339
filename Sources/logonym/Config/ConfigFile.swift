import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// One problem in a configuration file: the key, its line, and what is wrong.
struct ConfigProblem: CustomStringConvertible {
    var file: String
    var key: String
    var line: Int?
    var message: String

    var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key): \(message)"
    }
}

/// Every problem found in one configuration file.
struct ConfigProblems: Error {
    var problems: [ConfigProblem]

    init(_ problems: [ConfigProblem]) {
        self.problems = problems
    }
}

/// The daemon's configuration, checked and resolved.
struct DaemonConfig {
    var path: String
    var engine: EngineSettings
    var pollInterval: Duration
    /// `[metrics]`: where `/metrics` and `/stats` are served.
    var metrics: (listen: String, allowRemote: Bool)?
    /// Which inputs this process runs: the daemon runs file and syslog inputs, `logonym pipe` one pipe input.
    var selection: Selection = .daemon

    enum Selection: Equatable {
        case daemon
        case pipe(String)
    }

    /// The same configuration, keeping only the inputs of `selection`.
    func selecting(_ selection: Selection) -> DaemonConfig {
        var copy = self
        copy.selection = selection
        switch selection {
        case .daemon: copy.engine.inputs = engine.inputs.filter { $0.source != .pipe }
        case .pipe(let name): copy.engine.inputs = engine.inputs.filter { $0.name == name && $0.source == .pipe }
        }
        return copy
    }
}

/// Reads `logonym.toml` and reports every problem at once.
///
/// Relative paths are resolved against the configuration file's directory.
struct ConfigFile {
    let path: String
    private var problems: [ConfigProblem] = []
    private let baseDirectory: String

    init(path: String) {
        self.path = path
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        baseDirectory = (absolute as NSString).deletingLastPathComponent
    }

    static let knownKeys: [String: Set<String>] = [
        "": [
            "state", "output", "anonymize", "daemon", "retention", "geo", "metrics", "scrub", "input", "tenant",
            "tenants",
        ],
        "state": ["dir", "group"],
        "output": ["dir", "window", "compress", "compression_level", "format", "group", "encrypt", "recipients"],
        "anonymize": [
            "method", "ipv4_prefix", "ipv6_prefix", "preset", "key_mode", "key_file", "on_unparsable",
            "max_line_bytes", "json_address_keys",
        ],
        "daemon": ["poll_interval", "close_grace"],
        "retention": ["output", "raw_inputs", "keys", "audit", "sweep_interval"],
        "geo": ["database", "asn_database", "line_level", "field", "k"],
        "metrics": ["listen", "allow_remote"],
        "scrub": ["mode", "deny", "extra_deny", "keep", "allow", "marker", "remote_user", "user_agent"],
        "input": [
            "name", "type", "paths", "socket", "udp", "socket_mode", "format", "log_format", "start_at", "olddir",
            "tenant",
        ],
        "tenants": ["default"],
        "tenant": ["name", "hosts", "anonymize", "retention", "scrub", "geo"],
        // A tenant overrides what is about its data; reading, windows and the audit log stay the daemon's.
        "tenant.anonymize": ["method", "ipv4_prefix", "ipv6_prefix", "preset", "key_mode", "key_file"],
        "tenant.retention": ["output", "keys"],
        "tenant.scrub": ["mode", "deny", "extra_deny", "keep", "allow", "marker", "remote_user", "user_agent"],
        "tenant.geo": ["database", "asn_database", "line_level", "field", "k"],
    ]

    /// Loads and checks the file.
    static func load(_ path: String) -> Result<DaemonConfig, ConfigProblems> {
        var file = ConfigFile(path: path)
        return file.resolve()
    }

    /// Loads and checks the file, for a command that cannot go on without it: each problem on standard error
    /// (naming the file, line and key), then exit 2.
    static func loadOrExit(_ path: String) throws -> DaemonConfig {
        switch load(path) {
        case .success(let loaded): return loaded
        case .failure(let problems):
            for problem in problems.problems { Diagnostics.error(problem.description) }
            throw ExitCode(2)
        }
    }

    mutating func problem(_ key: String, _ line: Int?, _ message: String) {
        problems.append(ConfigProblem(file: path, key: key, line: line, message: message))
    }

    private mutating func resolve() -> Result<DaemonConfig, ConfigProblems> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(
                ConfigProblems([ConfigProblem(file: path, key: "-", line: nil, message: "cannot read the file")])
            )
        }
        guard data.count <= TOMLDocument.Limit.fileBytes else {
            let message = "the file is larger than \(TOMLDocument.Limit.fileBytes) bytes (the limit)"
            return .failure(ConfigProblems([ConfigProblem(file: path, key: "-", line: nil, message: message)]))
        }
        let document: TOMLDocument
        do {
            document = try TOMLDocument(bytes: data)
        } catch {
            return .failure(
                ConfigProblems([ConfigProblem(file: path, key: "-", line: error.line, message: error.message)])
            )
        }
        let root = document.root
        checkUnknown(root, section: "", prefix: "")
        let state = table(root, "state")
        let output = table(root, "output")
        let anonymize = table(root, "anonymize")
        let daemon = table(root, "daemon")
        let retentionTable = table(root, "retention")
        let geoTable = table(root, "geo")
        let metricsTable = table(root, "metrics")
        let scrubTable = table(root, "scrub")
        let sections = [
            ("state", state), ("output", output), ("anonymize", anonymize), ("daemon", daemon),
            ("retention", retentionTable), ("geo", geoTable), ("metrics", metricsTable), ("scrub", scrubTable),
        ]
        for (name, table) in sections {
            if let table { checkUnknown(table, section: name, prefix: name + ".") }
        }

        let stateDirectory = directory(state, "state.dir", required: true)
        let outputDirectory = directory(output, "output.dir", required: true)
        let stateGroup = group(state, "state.group")
        let outputGroup = group(output, "output.group")
        let window = string(output, "output.window", SettingRule.window) ?? .hour
        let compress = bool(output, "output.compress") ?? true
        let level = integer(output, "output.compression_level", SettingRule.compressionLevel) ?? 6
        let outputFormat = string(output, "output.format", SettingRule.outputFormat) ?? .same
        let encrypt = string(output, "output.encrypt") { text -> SettingRule.EncryptMode in
            try SettingRule.choice(text, "an encryption mode")
        }
        var recipients: [AgeRecipient] = []
        for text in stringArray(output, "output.recipients") ?? [] {
            if let recipient = checked(
                "output.recipients",
                output?["recipients"]?.1,
                { try SettingRule.recipient(text) }
            ) {
                recipients.append(recipient)
            }
        }
        if encrypt != nil && !compress {
            problem(
                "output.encrypt",
                output?["encrypt"]?.1,
                "needs output.compress = true (segments are encrypted as NAME.log.gz.age)"
            )
        }
        if encrypt == nil && output?["recipients"] != nil {
            problem("output.recipients", output?["recipients"]?.1, "goes with output.encrypt = \"window\"")
        }
        let method = string(anonymize, "anonymize.method", SettingRule.method) ?? .truncate
        var prefixes = string(anonymize, "anonymize.preset", SettingRule.preset) ?? .ga
        prefixes.ipv4 =
            integer(anonymize, "anonymize.ipv4_prefix") { try SettingRule.prefix($0, ipv6: false) }
            ?? prefixes.ipv4
        prefixes.ipv6 =
            integer(anonymize, "anonymize.ipv6_prefix") { try SettingRule.prefix($0, ipv6: true) }
            ?? prefixes.ipv6
        let keyMode = resolveKeyMode(anonymize, method: method)
        let policy = string(anonymize, "anonymize.on_unparsable", SettingRule.unparsablePolicy) ?? .scrub
        let maxLine = integer(anonymize, "anonymize.max_line_bytes", SettingRule.maxLineBytes) ?? 64 * 1024
        let jsonKeys = stringArray(anonymize, "anonymize.json_address_keys") ?? []
        let json = JSONLineFormat(extraAddressKeys: jsonKeys)
        var poll = Duration.milliseconds(250)
        if let (text, line) = string(daemon, "daemon.poll_interval") {
            if let parsed = Self.duration(text), parsed >= .milliseconds(10), parsed <= .seconds(10) {
                poll = parsed
            } else {
                problem("daemon.poll_interval", line, "'\(text)' is not a duration from 10ms to 10s (e.g. \"250ms\")")
            }
        }
        var grace: Int64 = 300
        if let (text, line) = string(daemon, "daemon.close_grace") {
            if let parsed = Self.duration(text) {
                grace = parsed.components.seconds
            } else {
                problem("daemon.close_grace", line, "'\(text)' is not a duration (e.g. \"5m\")")
            }
        }
        let (retention, sweepInterval) = resolveRetention(retentionTable)
        let geo = resolveGeo(geoTable)
        let metrics = resolveMetrics(metricsTable)
        let scrub = resolveScrub(scrubTable, method: method)
        var inputs = resolveInputs(root, json: json)
        let defaults = TenantSettings(
            name: "",
            hosts: [],
            method: method,
            prefixes: prefixes,
            keyMode: keyMode,
            retention: retention,
            scrub: scrub,
            geo: geo
        )
        let (tenants, unroutedTenant) = resolveTenants(root, defaults: defaults, inputs: &inputs)

        guard problems.isEmpty, let stateDirectory, let outputDirectory else {
            return .failure(ConfigProblems(problems))
        }
        var engine = EngineSettings(
            stateDirectory: stateDirectory,
            outputDirectory: outputDirectory,
            window: window,
            compress: compress,
            compressionLevel: level,
            method: method,
            prefixes: prefixes,
            keyMode: keyMode,
            outputFormat: outputFormat,
            unparsablePolicy: policy,
            maxLineBytes: maxLine,
            json: json,
            inputs: inputs
        )
        engine.closeGraceSeconds = grace
        engine.stateGroup = stateGroup
        engine.outputGroup = outputGroup
        engine.encryptRecipients = encrypt == nil ? nil : recipients
        engine.retention = retention
        engine.sweepInterval = sweepInterval
        engine.geo = geo
        engine.scrub = scrub
        engine.tenants = tenants
        engine.unroutedTenant = unroutedTenant
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var config = DaemonConfig(path: absolute, engine: engine, pollInterval: poll)
        config.metrics = metrics
        return .success(config)
    }

    private mutating func resolveInputs(_ root: TOMLDocument.Table, json: JSONLineFormat) -> [InputSettings] {
        guard let (value, line) = root["input"] else {
            problem("input", nil, "no [[input]] is configured")
            return []
        }
        // [[input]], or the same written as an array of inline tables.
        var tables: [TOMLDocument.Table] = []
        var allTables = true
        switch value {
        case .tableArray(let items):
            tables = items
        case .array(let items):
            for item in items {
                if case .table(let table) = item { tables.append(table) } else { allTables = false }
            }
        default:
            allTables = false
        }
        guard allTables, !tables.isEmpty else {
            problem("input", line, "must be an array of tables ([[input]]), not \(value.typeName)")
            return []
        }
        var inputs: [InputSettings] = []
        var names = Set<String>()
        for (index, table) in tables.enumerated() {
            let prefix = "input[\(index)]."
            checkUnknown(table, section: "input", prefix: prefix)
            var name = "input\(index)"
            if let (text, line) = string(table, prefix + "name") {
                if let folder = checked(prefix + "name", line, { try SettingRule.folderName(text) }) {
                    if names.insert(folder).inserted {
                        name = folder
                    } else {
                        problem(prefix + "name", line, "'\(text)' is used by another input")
                    }
                }
            } else {
                problem(prefix + "name", table.line, "missing; every input needs a name")
            }
            var source = InputSettings.Source.files
            let kind = string(table, prefix + "type")
            switch kind?.0 ?? "file" {
            case "file": break
            case "syslog":
                let socket = string(table, prefix + "socket").map { resolvePath($0.0) }
                let udp = string(table, prefix + "udp")?.0
                var mode: UInt16 = 0o660
                if let (text, line) = string(table, prefix + "socket_mode") {
                    if let parsed = UInt16(text, radix: 8), parsed <= 0o777 {
                        mode = parsed
                    } else {
                        problem(prefix + "socket_mode", line, "'\(text)' is not an octal mode such as \"0660\"")
                    }
                }
                if socket == nil && udp == nil {
                    problem(prefix + "socket", table.line, "a syslog input needs socket (a Unix socket path) or udp")
                }
                if let udp, !udp.hasPrefix("127.") {
                    problem(
                        prefix + "udp",
                        table["udp"]?.line,
                        "'\(udp)' must be a loopback address such as 127.0.0.1:5514"
                    )
                }
                source = .syslog(socket: socket, udp: udp, socketMode: mode)
            case "pipe": source = .pipe
            default:
                problem(prefix + "type", kind?.1, "'\(kind!.0)' must be \"file\", \"syslog\" or \"pipe\"")
            }
            let paths = (stringArray(table, prefix + "paths") ?? []).map { resolvePath($0) }
            if paths.isEmpty && source == .files {
                problem(prefix + "paths", table["paths"]?.line ?? table.line, "needs at least one path")
            }
            var format = FormatChoice.auto
            if table["log_format"] != nil {
                format = string(table, prefix + "log_format", SettingRule.logFormat) ?? format
            } else {
                format = string(table, prefix + "format") { name in try SettingRule.format(name, json: json) } ?? format
            }
            var startAtEnd = false
            if let (text, line) = string(table, prefix + "start_at") {
                switch text {
                case "beginning": startAtEnd = false
                case "end": startAtEnd = true
                default: problem(prefix + "start_at", line, "'\(text)' must be \"beginning\" or \"end\"")
                }
            }
            let olddir = string(table, prefix + "olddir")?.0
            if olddir?.isEmpty == true {
                problem(prefix + "olddir", table["olddir"]?.line, "must name a directory")
            }
            var input = InputSettings(
                name: name,
                paths: paths,
                format: format,
                startAtEnd: startAtEnd,
                olddir: olddir,
                source: source
            )
            input.tenant = string(table, prefix + "tenant")?.0
            inputs.append(input)
        }
        return inputs
    }

    // MARK: Typed access

    mutating func checkUnknown(_ table: TOMLDocument.Table, section: String, prefix: String) {
        let known = Self.knownKeys[section] ?? []
        for entry in table.entries where !known.contains(entry.key) {
            problem(prefix + entry.key, entry.line, "unknown key")
        }
    }

    mutating func table(_ root: TOMLDocument.Table, _ name: String) -> TOMLDocument.Table? {
        guard let (value, line) = root[name] else { return nil }
        guard case .table(let table) = value else {
            problem(name, line, "must be a table ([\(name)]), not \(value.typeName)")
            return nil
        }
        return table
    }

    mutating func string(_ table: TOMLDocument.Table?, _ key: String) -> (String, Int)? {
        guard let (value, line) = table?[String(key.split(separator: ".").last!)] else { return nil }
        guard case .string(let text) = value else {
            problem(key, line, "must be a string, not \(value.typeName)")
            return nil
        }
        return (text, line)
    }

    mutating func integer(_ table: TOMLDocument.Table?, _ key: String) -> (Int, Int)? {
        guard let (value, line) = table?[String(key.split(separator: ".").last!)] else { return nil }
        guard case .integer(let number) = value else {
            problem(key, line, "must be an integer, not \(value.typeName)")
            return nil
        }
        return (number, line)
    }

    mutating func bool(_ table: TOMLDocument.Table?, _ key: String) -> Bool? {
        guard let (value, line) = table?[String(key.split(separator: ".").last!)] else { return nil }
        guard case .bool(let flag) = value else {
            problem(key, line, "must be true or false, not \(value.typeName)")
            return nil
        }
        return flag
    }

    mutating func stringArray(_ table: TOMLDocument.Table?, _ key: String) -> [String]? {
        guard let (value, line) = table?[String(key.split(separator: ".").last!)] else { return nil }
        guard case .array(let items) = value else {
            problem(key, line, "must be an array of strings, not \(value.typeName)")
            return nil
        }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else {
                problem(key, line, "must hold only strings, not \(item.typeName)")
                return nil
            }
            strings.append(text)
        }
        return strings
    }

    /// A key's value checked by its rule; a refusal is a problem naming the file, the line and the key.
    mutating func checked<T>(_ key: String, _ line: Int?, _ check: () throws -> T) -> T? {
        do {
            return try check()
        } catch {
            problem(key, line, (error as? SettingProblem)?.message ?? "\(error)")
            return nil
        }
    }

    /// A key's value, read with its line, checked by its rule; `nil` when the key is absent or refused.
    mutating func checked<Raw, T>(_ key: String, _ entry: (Raw, Int)?, _ rule: (Raw) throws -> T) -> T? {
        guard let (value, line) = entry else { return nil }
        return checked(key, line) { try rule(value) }
    }

    /// A string key checked by its rule (a ``SettingRule``).
    mutating func string<T>(_ table: TOMLDocument.Table?, _ key: String, _ rule: (String) throws -> T) -> T? {
        checked(key, string(table, key), rule)
    }

    /// An integer key checked by its rule (a ``SettingRule``).
    mutating func integer<T>(_ table: TOMLDocument.Table?, _ key: String, _ rule: (Int) throws -> T) -> T? {
        checked(key, integer(table, key), rule)
    }

    /// A directory that exists and is writable, or can be created (its parent exists and is writable).
    private mutating func directory(_ table: TOMLDocument.Table?, _ key: String, required: Bool) -> String? {
        guard let (text, line) = string(table, key) else {
            if required { problem(key, nil, "missing") }
            return nil
        }
        let path = resolvePath(text)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                problem(key, line, "\(path) is not a directory")
                return nil
            }
            guard access(path, W_OK) == 0 else {
                problem(key, line, "\(path) is not writable by this user")
                return nil
            }
            return path
        }
        // It is created (with any missing parents) at start: the nearest existing ancestor must be writable.
        var ancestor = (path as NSString).deletingLastPathComponent
        while !FileManager.default.fileExists(atPath: ancestor) && ancestor != "/" && !ancestor.isEmpty {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        var ancestorIsDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: ancestor, isDirectory: &ancestorIsDirectory),
            ancestorIsDirectory.boolValue, access(ancestor, W_OK) == 0
        else {
            problem(key, line, "\(path) does not exist and cannot be created (\(ancestor) is not a writable directory)")
            return nil
        }
        return path
    }

    func resolvePath(_ text: String) -> String {
        text.hasPrefix("/") ? text : baseDirectory + "/" + text
    }

    /// Parses `250ms`, `1s`, `5m`, `1h`, `90d`.
    static func duration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return .milliseconds(number * milliseconds)
        }
        return nil
    }
}
