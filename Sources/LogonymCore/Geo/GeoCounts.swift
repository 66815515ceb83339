/// Lines and distinct clients per geo bucket, and their k-anonymous report.
///
/// Clients are keyed hashes (``SipHash``), never addresses; a bucket is reported only when at least `k` distinct
/// clients fell into it. Smaller buckets roll up: country and AS number to country, country to continent,
/// continent to `ZZ`; what is still under `k` at `ZZ` is left out (its lines are reported as a total only).
public struct GeoCounts: Sendable {
    public private(set) var buckets: [GeoBucket] = []
    public private(set) var lines: [Int] = []
    public private(set) var clients: [Set<UInt64>] = []
    private var index: [GeoBucket: Int] = [:]

    public init() {}

    /// The slot of a bucket (made on first use).
    private mutating func slot(for bucket: GeoBucket) -> Int {
        if let slot = index[bucket] { return slot }
        index[bucket] = buckets.count
        buckets.append(bucket)
        lines.append(0)
        clients.append([])
        return buckets.count - 1
    }

    /// Adds another set of counts.
    public mutating func add(_ other: GeoCounts) {
        for (k, bucket) in other.buckets.enumerated() {
            add(bucket: bucket, lines: other.lines[k], clients: other.clients[k])
        }
    }

    /// Adds the lines and clients of one bucket.
    public mutating func add(bucket: GeoBucket, lines count: Int, clients hashes: Set<UInt64>) {
        let slot = slot(for: bucket)
        lines[slot] += count
        clients[slot].formUnion(hashes)
    }

    /// One reported bucket.
    public struct Row: Sendable, Equatable {
        /// `nil` fields were rolled up (a country row without an AS number, a continent row, `ZZ`).
        public var bucket: GeoBucket
        /// The level the row stands at after rolling up.
        public var level: GeoLevel?
        public var lines: Int
        public var clients: Int
    }

    /// The k-anonymous rows, at `level` where buckets are big enough and rolled up where not.
    ///
    /// - Returns: the rows (a `nil` level is the `ZZ` row of everything rolled up to the top) and the lines left
    ///   out because even `ZZ` had fewer than `k` clients.
    public func report(k: Int, level: GeoLevel) -> (rows: [Row], suppressedLines: Int) {
        Self.report(buckets.indices.map { (buckets[$0], lines[$0], clients[$0]) }, k: k, level: level)
    }

    /// The same roll-up over any kind of client set (exact hash sets in a run, sketches from the state database).
    public static func report<Clients: ClientSet>(
        _ entries: [(bucket: GeoBucket, lines: Int, clients: Clients)],
        k: Int,
        level: GeoLevel
    ) -> (rows: [Row], suppressedLines: Int) {
        var stages: [GeoLevel] = [.countryASN, .country, .continent]
        stages = Array(stages.drop { $0 != level })
        var current: [GeoBucket: (lines: Int, clients: Clients)] = [:]
        for entry in entries {
            current[entry.bucket.at(level), default: (0, Clients())].lines += entry.lines
            current[entry.bucket.at(level), default: (0, Clients())].clients.formUnion(with: entry.clients)
        }
        var rows: [Row] = []
        for (position, stage) in stages.enumerated() {
            var parents: [GeoBucket: (lines: Int, clients: Clients)] = [:]
            for (bucket, value) in current {
                let count = value.clients.clientCount
                if count >= k {
                    rows.append(Row(bucket: bucket, level: stage, lines: value.lines, clients: count))
                } else {
                    let parent =
                        position + 1 < stages.count ? bucket.at(stages[position + 1]) : GeoBucket(kind: .unknown)
                    parents[parent, default: (0, Clients())].lines += value.lines
                    parents[parent, default: (0, Clients())].clients.formUnion(with: value.clients)
                }
            }
            current = parents
        }
        var suppressed = 0
        var top = (lines: 0, clients: Clients())
        for value in current.values {
            top.lines += value.lines
            top.clients.formUnion(with: value.clients)
        }
        let topCount = top.clients.clientCount
        if topCount >= k {
            rows.append(Row(bucket: GeoBucket(kind: .unknown), level: nil, lines: top.lines, clients: topCount))
        } else {
            suppressed = top.lines
        }
        rows.sort { ($0.lines, $0.bucket.fieldText(.countryASN)) > ($1.lines, $1.bucket.fieldText(.countryASN)) }
        return (rows, suppressed)
    }
}
