import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym stats`: what was processed, written, dropped and seen, from the state database(s).
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report what was anonymized, dropped and seen, per window, source or reason.",
        discussion: """
            Reads the state database read-only (works while the daemon runs). Counters are committed in the same \
            transaction as the output, so they agree with it, crash or not. Distinct clients are estimated from \
            HyperLogLog sketches over keyed hashes (within about 1%); --merge adds other nodes' state databases \
            (sums, and sketch unions: comparable across nodes with key_mode = "derived").

            Exit codes: 0 printed; 2 usage or configuration error.
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
            "Rows per window, hour, day, source, reason, country, continent or asn (default: totals only).",
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

    @Option(help: ArgumentHelp("Only this source (input).", valueName: "name"))
    var source: String?

    @Flag(help: "One JSON object: {\"totals\": {...}, \"rows\": [...]}.")
    var json = false

    @Flag(help: "CSV with a header line.")
    var csv = false

    func run() throws {
        let grouping = try Grouping(by)
        let since = try TimeArgument.option(since, "--since")
        let until = try TimeArgument.option(until, "--until")
        var databases = merge
        if let directory = try primaryDirectory() { databases.insert(directory + "/state.db", at: 0) }
        guard !databases.isEmpty else {
            throw CommandFailure.usage("give --config, --state-dir or --merge DB")
        }
        var rows: [StateStore.StatsRow] = []
        var geo: [(bucket: GeoBucket, lines: Int, clients: HyperLogLog)] = []
        for database in databases {
            guard FileManager.default.fileExists(atPath: database) else {
                throw CommandFailure.usage("\(database): no such state database")
            }
            let store = try StateStore(directory: (database as NSString).deletingLastPathComponent)
            rows += try store.statsRows(since: since, until: until, input: source)
            if grouping.geoLevel != nil {
                geo += try store.geoRows(since: since, until: until, input: source).map {
                    ($0.bucket, $0.lines, $0.clients)
                }
            }
        }
        var report = StatsReport(rows: rows, grouping: grouping)
        if let level = grouping.geoLevel {
            report.addGeo(geo, level: level, k: k ?? configuredK ?? 10)
        }
        if json {
            print(try JSONOutput.encode(report.json))
        } else if csv {
            print(report.csv, terminator: "")
        } else {
            print(report.table, terminator: "")
        }
    }

    /// `geo.k` of the configuration, when one is given.
    private var configuredK: Int? {
        guard let config, case .success(let loaded) = ConfigFile.load(config) else { return nil }
        return loaded.engine.geo?.k
    }

    private func primaryDirectory() throws -> String? {
        if let stateDirectory { return stateDirectory }
        guard merge.isEmpty || config != nil else { return nil }
        let path = config ?? "/etc/logonym/logonym.toml"
        switch ConfigFile.load(path) {
        case .success(let loaded): return loaded.engine.stateDirectory
        case .failure(let problems):
            for problem in problems.problems { Diagnostics.error(problem.description) }
            throw ExitCode(2)
        }
    }
}

/// How rows are grouped.
enum Grouping: Equatable {
    case totals, window, hour, day, source, reason
    case geo(GeoLevel)

    /// The level of a geo grouping.
    var geoLevel: GeoLevel? {
        if case .geo(let level) = self { return level }
        return nil
    }

    init(_ text: String?) throws {
        switch text {
        case nil: self = .totals
        case "window": self = .window
        case "hour": self = .hour
        case "day": self = .day
        case "source": self = .source
        case "reason": self = .reason
        case "country": self = .geo(.country)
        case "continent": self = .geo(.continent)
        case "asn": self = .geo(.countryASN)
        default:
            throw CommandFailure.usage(
                "--by '\(text!)': must be window, hour, day, source, reason, country, continent or asn"
            )
        }
    }
}

/// Counters grouped and totalled for printing.
struct StatsReport {
    struct Group {
        var key: String
        var counters = RunCounters()
        var clients = HyperLogLog(precision: HyperLogLog.clientsPrecision)
        var hasClients = false
        /// A geo row's distinct clients (its sketch is a bucket's, not the window's).
        var geoClients: Int?

        mutating func add(_ row: StateStore.StatsRow) {
            counters.add(row.counters)
            if let sketch = row.clients {
                clients.merge(sketch)
                hasClients = true
            }
        }

        var fields: [(String, Int)] {
            let c = counters
            return [
                ("lines_read", c.linesRead), ("lines_written", c.linesWritten), ("lines_dropped", c.linesDropped),
                ("distinct_clients", geoClients ?? (hasClients ? clients.estimate : 0)),
                ("unparsable", c.unparsable),
                ("too_long", c.tooLong), ("addresses_ipv4", c.ipv4Addresses), ("addresses_ipv6", c.ipv6Addresses),
                ("non_address_values", c.nonAddressValues), ("bytes_in", c.bytesIn), ("bytes_out", c.bytesOut),
                ("status_2xx", c.status2xx), ("status_3xx", c.status3xx), ("status_4xx", c.status4xx),
                ("status_5xx", c.status5xx),
            ] + DropReason.allCases.map { ("dropped_" + $0.rawValue, c.dropped[$0] ?? 0) }
        }
    }

    let grouping: Grouping
    var totals = Group(key: "total")
    var groups: [Group] = []
    /// Geo rows: lines whose buckets stayed under k even at `ZZ`.
    var suppressedGeoLines = 0

    init(rows: [StateStore.StatsRow], grouping: Grouping) {
        self.grouping = grouping
        var byKey: [String: Group] = [:]
        for row in rows {
            totals.add(row)
            for key in Self.keys(row, grouping) {
                byKey[key, default: Group(key: key)].add(row)
            }
        }
        groups = byKey.values.sorted { $0.key < $1.key }
        if grouping == .reason {
            // One row per drop reason, with its count as lines_dropped.
            groups = DropReason.allCases.map { reason in
                var group = Group(key: reason.rawValue)
                group.counters.dropped[reason] = totals.counters.dropped[reason] ?? 0
                return group
            }
        }
    }

    static func keys(_ row: StateStore.StatsRow, _ grouping: Grouping) -> [String] {
        switch grouping {
        case .totals, .reason, .geo: []
        case .window: [AuditEntry.timestamp(Double(row.windowStart))]
        case .hour: [String(AuditEntry.timestamp(Double(row.windowStart - row.windowStart % 3600)).prefix(13))]
        case .day: [String(AuditEntry.timestamp(Double(row.windowStart)).prefix(10))]
        case .source: [row.input]
        }
    }

    var keyName: String {
        switch grouping {
        case .totals: "total"
        case .window: "window"
        case .hour: "hour"
        case .day: "day"
        case .source: "source"
        case .reason: "reason"
        case .geo(let level): level == .countryASN ? "asn" : level.rawValue
        }
    }

    /// k-anonymous geo rows: one per bucket with at least `k` distinct clients, rolled up where smaller.
    mutating func addGeo(_ entries: [(bucket: GeoBucket, lines: Int, clients: HyperLogLog)], level: GeoLevel, k: Int) {
        let (rows, suppressed) = GeoCounts.report(entries, k: k, level: level)
        groups = rows.map { row in
            var group = Group(key: row.level.map { row.bucket.fieldText($0) } ?? "ZZ")
            group.counters.linesWritten = row.lines
            group.geoClients = row.clients
            return group
        }
        suppressedGeoLines = suppressed
    }

    struct Output: Encodable {
        var totals: [String: Int]
        var rows: [[String: JSONValue]]
    }

    enum JSONValue: Encodable {
        case text(String)
        case number(Int)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            }
        }
    }

    var json: Output {
        Output(
            totals: Dictionary(uniqueKeysWithValues: totals.fields)
                .merging(grouping.geoLevel == nil ? [:] : ["geo_suppressed_lines": suppressedGeoLines]) { $1 },
            rows: groups.map { group in
                var row: [String: JSONValue] = [keyName: .text(group.key)]
                for (name, value) in group.fields { row[name] = .number(value) }
                return row
            }
        )
    }

    var csv: String {
        let names = totals.fields.map(\.0)
        var text = ([keyName] + names).joined(separator: ",") + "\n"
        for group in groups + [totals] {
            text += ([group.key] + group.fields.map { String($0.1) }).joined(separator: ",") + "\n"
        }
        return text
    }

    /// An aligned table of the main columns, totals last.
    var table: String {
        let columns = ["lines_read", "lines_written", "lines_dropped", "distinct_clients", "unparsable", "bytes_in"]
        let header = [keyName] + columns
        var lines: [[String]] = [header]
        for group in groups + [totals] {
            let fields = Dictionary(uniqueKeysWithValues: group.fields)
            lines.append([group.key] + columns.map { String(fields[$0] ?? 0) })
        }
        var widths = [Int](repeating: 0, count: header.count)
        for line in lines { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var text = ""
        for line in lines {
            let cells = line.enumerated().map { i, cell in
                i == 0
                    ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            text += cells.joined(separator: "  ") + "\n"
        }
        return text
    }
}
