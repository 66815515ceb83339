public import LogonymCore
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics (swift-prometheus): counters per input from the processors' counters,
/// per-input lag, checkpoint age, keys alive and retention deletions. The engine's thread updates them after
/// its commits; the metrics endpoint's thread renders them.
public final class LogonymMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let method: String
    /// What each counter had when last exported, by name and labels (counters only ever grow by the difference).
    /// Its lock is held across a whole update and a whole render, so that a scrape never sees half an update (some
    /// families of the first update registered and others not yet).
    private let exported = Mutex<[String: Int]>([:])

    public init(method: AnonymizationMethod) {
        self.method = method.rawValue
    }

    /// What one input reports.
    public struct InputStatus: Sendable {
        public var name: String
        public var counters: RunCounters
        public var lagBytes: Int64
        public var lagSeconds: Double

        public init(name: String, counters: RunCounters, lagBytes: Int64, lagSeconds: Double) {
            self.name = name
            self.counters = counters
            self.lagBytes = lagBytes
            self.lagSeconds = lagSeconds
        }
    }

    /// Brings every family up to date.
    public func update(inputs: [InputStatus], checkpointAgeSeconds: Double, keysAlive: Int) {
        exported.withLock { exported in update(inputs, checkpointAgeSeconds, keysAlive, &exported) }
    }

    private func update(
        _ inputs: [InputStatus],
        _ checkpointAgeSeconds: Double,
        _ keysAlive: Int,
        _ exported: inout [String: Int]
    ) {
        func count(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
            let key = name + labels.map { "\u{0}\($0.0)=\($0.1)" }.joined()
            let delta = value - (exported[key] ?? 0)
            exported[key] = value
            let made = counter(name, help, labels)
            if delta > 0 { made.increment(by: Int64(delta)) }
        }
        for input in inputs {
            let c = input.counters
            let i = ("input", input.name)
            count("logonym_lines_read_total", "Lines read.", [i], c.linesRead)
            count("logonym_lines_written_total", "Lines written to the output.", [i], c.linesWritten)
            for reason in DropReason.allCases {
                count(
                    "logonym_lines_dropped_total",
                    "Lines dropped, by reason.",
                    [i, ("reason", reason.rawValue)],
                    c.dropped[reason] ?? 0
                )
            }
            count("logonym_lines_unparsable_total", "Lines that did not match the format.", [i], c.unparsable)
            for (family, value) in [("ipv4", c.ipv4Addresses), ("ipv6", c.ipv6Addresses)] {
                count(
                    "logonym_addresses_total",
                    "Addresses anonymized, by family and method.",
                    [i, ("family", family), ("method", method)],
                    value
                )
            }
            count(
                "logonym_non_address_values_total",
                "Client or forwarded-for values that were not addresses.",
                [i],
                c.nonAddressValues
            )
            count("logonym_bytes_in_total", "Bytes of lines read.", [i], c.bytesIn)
            count("logonym_bytes_out_total", "Bytes of lines written (before compression).", [i], c.bytesOut)
            let classes = [
                ("1xx", c.status1xx), ("2xx", c.status2xx), ("3xx", c.status3xx), ("4xx", c.status4xx),
                ("5xx", c.status5xx), ("other", c.statusOther),
            ]
            for (statusClass, value) in classes {
                count("logonym_responses_total", "Parsed lines by status class.", [i, ("class", statusClass)], value)
            }
            gauge("logonym_input_lag_bytes", "Bytes written to the input's files and not read yet.", [i])
                .set(Double(input.lagBytes))
            gauge(
                "logonym_input_lag_seconds",
                "Seconds since the newest line read, while unread bytes remain (0 when caught up).",
                [i]
            ).set(input.lagSeconds)
        }
        gauge("logonym_checkpoint_age_seconds", "Seconds since the last commit.", []).set(checkpointAgeSeconds)
        gauge("logonym_keys_alive", "Window keys that exist (ephemeral key mode).", []).set(Double(keysAlive))
    }

    /// The current window from the state database: distinct clients per input (HyperLogLog estimate) and, when
    /// geo is on, lines and distinct clients per k-anonymous bucket (buckets under `k` rolled up, as in `stats`).
    public func updateWindow(
        rows: [StateStore.StatsRow],
        geo: [(bucket: GeoBucket, lines: Int, clients: BucketClients)],
        level: GeoLevel,
        k: Int
    ) {
        exported.withLock { _ in updateWindow(rows, geo, level, k) }
    }

    private func updateWindow(
        _ rows: [StateStore.StatsRow],
        _ geo: [(bucket: GeoBucket, lines: Int, clients: BucketClients)],
        _ level: GeoLevel,
        _ k: Int
    ) {
        for row in rows {
            gauge(
                "logonym_window_distinct_clients",
                "Distinct clients in the current window (HyperLogLog estimate over keyed hashes).",
                [("input", row.input)]
            ).set(Double(row.clients?.estimate ?? 0))
        }
        guard !geo.isEmpty else { return }
        let (buckets, _) = GeoCounts.report(geo, k: k, level: level)
        for row in buckets {
            let name = row.level.map { row.bucket.fieldText($0) } ?? "ZZ"
            gauge(
                "logonym_window_geo_lines",
                "Lines per geo bucket in the current window; buckets under k distinct clients are rolled up.",
                [("bucket", name)]
            ).set(Double(row.lines))
        }
    }

    /// Counts what a retention sweep deleted.
    public func recordDeletions(_ plan: RetentionPlan) {
        exported.withLock { _ in
            for kind in ["segment", "key", "raw_input"] {
                counter(
                    "logonym_retention_deletions_total",
                    "Segments, keys and raw inputs deleted by retention sweeps.",
                    [("kind", kind)]
                ).increment(by: Int64(plan.count(kind)))
            }
        }
    }

    /// The Prometheus text exposition of every family.
    public func render() -> [UInt8] {
        exported.withLock { _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return buffer
        }
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help),
            labels: labels
        )
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help),
            labels: labels
        )
    }
}
