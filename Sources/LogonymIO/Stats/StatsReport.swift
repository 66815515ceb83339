import Foundation
public import LogonymCore

/// How rows are grouped.
public enum Grouping: Equatable, Sendable {
    case totals, window, hour, day, source, reason
    /// One row per tenant (`-`: an input's lines of no tenant, dropped as unrouted).
    case tenant
    /// One row per scrubbed parameter name or detector (`param:email`, `detector:card`).
    case scrubbed
    case geo(GeoLevel)

    /// The level of a geo grouping.
    public var geoLevel: GeoLevel? {
        if case .geo(let level) = self { return level }
        return nil
    }

    /// Parses `--by`; `nil` for an unknown grouping.
    public init?(_ text: String?) {
        switch text {
        case nil: self = .totals
        case "window": self = .window
        case "hour": self = .hour
        case "day": self = .day
        case "source": self = .source
        case "tenant": self = .tenant
        case "reason": self = .reason
        case "scrubbed": self = .scrubbed
        case "country": self = .geo(.country)
        case "continent": self = .geo(.continent)
        case "asn": self = .geo(.countryASN)
        default: return nil
        }
    }
}

/// Counters grouped and totalled for printing.
public struct StatsReport: Sendable {
    public struct Group: Sendable {
        var key: String
        var counters = RunCounters()
        /// Each window's sketch (its inputs' merged): a window's clients are hashed under its own key, so the
        /// same client in two windows cannot be told (by design: windows are not linkable), and a group over
        /// several windows counts the sum of its windows' distinct clients.
        var clients: [Int64: HyperLogLog] = [:]
        /// A geo row's distinct clients (its sketch is a bucket's, not the window's).
        var geoClients: Int?

        mutating func add(_ row: StateStore.StatsRow) {
            counters.add(row.counters)
            if let sketch = row.clients {
                clients[row.windowStart, default: HyperLogLog(precision: HyperLogLog.clientsPrecision)].merge(sketch)
            }
        }

        /// With `--by scrubbed`: the row's count of scrubbed values (its only column).
        var scrubbedValues: Int?

        var fields: [(String, Int)] {
            if let scrubbedValues { return [("values_scrubbed", scrubbedValues)] }
            let c = counters
            return [
                ("lines_read", c.linesRead), ("lines_written", c.linesWritten), ("lines_dropped", c.linesDropped),
                ("lines_erased", c.linesErased),
                ("distinct_clients", geoClients ?? clients.values.reduce(0) { $0 + $1.estimate }),
                ("unparsable", c.unparsable),
                ("too_long", c.tooLong), ("addresses_ipv4", c.ipv4Addresses), ("addresses_ipv6", c.ipv6Addresses),
                ("non_address_values", c.nonAddressValues),
                ("addresses_unchanged_cryptopan", c.cryptopanUnchanged), ("bytes_in", c.bytesIn),
                ("bytes_out", c.bytesOut),
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

    public init(rows: [StateStore.StatsRow], grouping: Grouping) {
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
        if grouping == .scrubbed {
            // Names only: the stage never records a value.
            groups = totals.counters.scrubbed.sorted { $0.key < $1.key }.map { name, count in
                var group = Group(key: name)
                group.scrubbedValues = count
                return group
            }
            totals.scrubbedValues = totals.counters.scrubbed.values.reduce(0, +)
        }
    }

    static func keys(_ row: StateStore.StatsRow, _ grouping: Grouping) -> [String] {
        switch grouping {
        case .totals, .reason, .scrubbed, .geo: []
        case .window: [AuditEntry.timestamp(Double(row.windowStart))]
        case .hour: [String(AuditEntry.timestamp(Double(row.windowStart - row.windowStart % 3600)).prefix(13))]
        case .day: [String(AuditEntry.timestamp(Double(row.windowStart)).prefix(10))]
        case .source: [row.input]
        case .tenant: [TenantSettings.tenant(ofSource: row.input) ?? "-"]
        }
    }

    var keyName: String {
        switch grouping {
        case .totals: "total"
        case .window: "window"
        case .hour: "hour"
        case .day: "day"
        case .source: "source"
        case .tenant: "tenant"
        case .reason: "reason"
        case .scrubbed: "scrubbed"
        case .geo(let level): level == .countryASN ? "asn" : level.rawValue
        }
    }

    /// k-anonymous geo rows: one per bucket with at least `k` distinct clients, rolled up where smaller.
    public mutating func addGeo(
        _ entries: [(bucket: GeoBucket, lines: Int, clients: BucketClients)],
        level: GeoLevel,
        k: Int
    ) {
        let (rows, suppressed) = GeoCounts.report(entries, k: k, level: level)
        groups = rows.map { row in
            var group = Group(key: row.level.map { row.bucket.fieldText($0) } ?? "ZZ")
            group.counters.linesWritten = row.lines
            group.geoClients = row.clients
            return group
        }
        suppressedGeoLines = suppressed
    }

    public struct Output: Encodable, Sendable {
        var totals: [String: Int]
        var rows: [[String: JSONValue]]
    }

    public enum JSONValue: Encodable, Sendable {
        case text(String)
        case number(Int)

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            }
        }
    }

    public var json: Output {
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

    public var csv: String {
        let names = totals.fields.map(\.0)
        var text = ([keyName] + names).joined(separator: ",") + "\n"
        for group in groups + [totals] {
            text += ([group.key] + group.fields.map { String($0.1) }).joined(separator: ",") + "\n"
        }
        return text
    }

    /// The JSON object as one line: `{"rows":[...],"totals":{...}}`.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(json)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// An aligned table of the main columns, totals last.
    public var table: String {
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
