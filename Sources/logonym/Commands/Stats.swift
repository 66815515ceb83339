import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym stats`: what was processed, written, dropped and seen, from the state database(s).
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Report what was anonymized, dropped and seen, per window, source or reason.",
        discussion: """
            Reads the state database (works while the daemon runs). Counters are committed in the same \
            transaction as the output, so they agree with it, crash or not. Distinct clients are estimated from \
            HyperLogLog sketches over keyed hashes (within about 1%); --merge adds other nodes' state databases \
            (sums, and sketch unions: comparable across nodes with key_mode = "derived").

            The read is recorded in the audit log of the state directory read (logonym audit) before anything is \
            shown; databases added with --merge are copies outside any state directory.

            Exit codes: 0 printed; 2 usage or configuration error; 4 the read could not be recorded in the audit \
            log (nothing was shown).
            """
    )

    @Option(help: ArgumentHelp("The configuration file (for its state directory).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("A state directory instead.", valueName: "dir"))
    var stateDirectory: String?

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp("More state databases (state.db files) to add.", valueName: "db")
    )
    var merge: [String] = []

    @Option(help: ArgumentHelp("Windows starting at or after this time (ISO 8601, -7d or @EPOCH).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Windows starting before this time.", valueName: "time"))
    var until: String?

    @Option(
        help: ArgumentHelp(
            "Rows per window, hour, day, source, tenant, reason, scrubbed (parameter names and detectors), country, continent or asn (default: totals only).",
            valueName: "group"
        )
    )
    var by: String?

    @Option(
        help: ArgumentHelp(
            "Geo rows need at least this many distinct clients; smaller buckets roll up (default: geo.k, else 10).",
            valueName: "k"
        )
    )
    var k: Int?

    @Option(help: ArgumentHelp("Only this source (input, or TENANT/INPUT with tenants).", valueName: "name"))
    var source: String?

    @Option(help: ArgumentHelp("Only this tenant's sources.", valueName: "name"))
    var tenant: String?

    @Flag(help: "One JSON object: {\"totals\": {...}, \"rows\": [...]}.")
    var json = false

    @Flag(help: "CSV with a header line.")
    var csv = false

    func run() throws {
        guard let grouping = Grouping(by) else {
            throw CommandFailure.usage(
                "--by '\(by ?? "")': must be window, hour, day, source, tenant, reason, scrubbed, country, continent or asn"
            )
        }
        let since = try TimeArgument.option(since, "--since")
        let until = try TimeArgument.option(until, "--until")
        // The configuration is read once: for the state directory (unless --state-dir or only --merge is given)
        // and for geo.k (when --config is given).
        let configPath = config ?? (stateDirectory == nil && merge.isEmpty ? "/etc/logonym/logonym.toml" : nil)
        let loaded = configPath.map { ConfigFile.load($0) }
        var databases = merge
        let primary = try primaryDirectory(loaded)
        if let primary { databases.insert(primary + "/state.db", at: 0) }
        var stores: [StateStore] = []
        guard !databases.isEmpty else {
            throw CommandFailure.usage("give --config, --state-dir or --merge DB")
        }
        var rows: [StateStore.StatsRow] = []
        var geo: [(bucket: GeoBucket, lines: Int, clients: BucketClients)] = []
        for database in databases {
            guard FileManager.default.fileExists(atPath: database) else {
                throw CommandFailure.usage("\(database): no such state database")
            }
            let store = try StateStore(directory: (database as NSString).deletingLastPathComponent, reader: true)
            rows += try store.statsRows(since: since, until: until, input: source).filter { ofTenant($0.input) }
            if grouping.geoLevel != nil {
                geo += try store.geoRows(since: since, until: until, input: source).filter { ofTenant($0.input) }.map {
                    ($0.bucket, $0.lines, $0.clients)
                }
            }
            stores.append(store)
        }
        // The read goes into the audit log of every state directory read: the primary one, and a database added
        // with --merge that is a live state directory's (it has an audit log). Copies elsewhere are other nodes'
        // databases, outside any state directory.
        let notes = (source.map { ["source \($0)"] } ?? []) + (merge.isEmpty ? [] : ["\(merge.count) databases merged"])
        let read = AuditEvent.read(
            "stats",
            tenant: tenant,
            since: since.map(Double.init),
            until: until.map(Double.init),
            returned: Int64(rows.count),
            note: notes.isEmpty ? nil : notes.joined(separator: "; ")
        )
        for (database, store) in zip(databases, stores) {
            let directory = (database as NSString).deletingLastPathComponent
            let live =
                database == primary.map { $0 + "/state.db" }
                || FileManager.default.fileExists(atPath: directory + "/audit")
            if live { try ReadTrace.record(read, stateDirectory: directory, store: store) }
        }
        var report = StatsReport(rows: rows, grouping: grouping)
        if let level = grouping.geoLevel {
            var configuredK: Int?
            if config != nil, case .success(let read)? = loaded { configuredK = read.engine.geo?.k }
            report.addGeo(geo, level: level, k: k ?? configuredK ?? 10)
        }
        if json {
            print(report.jsonText)
        } else if csv {
            print(report.csv, terminator: "")
        } else {
            print(report.table, terminator: "")
        }
    }

    /// Whether a source is of the tenant asked for (any, without `--tenant`).
    private func ofTenant(_ source: String) -> Bool {
        tenant.map { TenantSettings.tenant(ofSource: source) == $0 } ?? true
    }

    private func primaryDirectory(_ loaded: Result<DaemonConfig, ConfigProblems>?) throws -> String? {
        if let stateDirectory { return stateDirectory }
        switch loaded {
        case nil: return nil
        case .success(let read): return read.engine.stateDirectory
        case .failure(let problems):
            for problem in problems.problems { Diagnostics.error(problem.description) }
            throw ExitCode(2)
        }
    }
}
