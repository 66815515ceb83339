import Foundation
import LogonymCore
import LogonymIO

/// What a batch run did, for the closing summary. Holds counts and paths, never log content.
struct RunReport {
    struct Input: Encodable {
        var path: String
        var format: String?
        var error: String?
        /// With `--window`: `read`, `resumed`, `continued`, `skipped` or `duplicate` (see ``BatchLedger``).
        var batch: String?
        /// With `--window`: decoded bytes an earlier read committed, not read again.
        var skipped_bytes: Int64?
        /// The other path the same content was read at (skipped, duplicate).
        var same_as: String?

        init(path: String, format: String?, error: String?, plan: BatchLedger.Plan? = nil) {
            self.path = path
            self.format = format
            self.error = error
            if let plan {
                batch = plan.disposition.rawValue
                skipped_bytes = plan.startOffset
                same_as = plan.readAs == path ? nil : plan.readAs
            }
        }
    }

    /// Inputs by what a windowed run did with them, and the decoded bytes earlier runs had read.
    struct BatchTotals: Encodable {
        var read = 0
        var resumed = 0
        var continued = 0
        var skipped = 0
        var duplicate = 0
        var skipped_bytes: Int64 = 0
        /// `--force`: earlier runs were not looked at.
        var forced: Bool
    }

    var batchTotals: BatchTotals? {
        guard settings.windowed != nil else { return nil }
        var totals = BatchTotals(forced: settings.force)
        for input in inputs {
            switch input.batch.flatMap(BatchLedger.Disposition.init(rawValue:)) {
            case .read: totals.read += 1
            case .resumed: totals.resumed += 1
            case .continued: totals.continued += 1
            case .skipped: totals.skipped += 1
            case .duplicate: totals.duplicate += 1
            case nil: if input.error == nil { totals.read += 1 }  // standard input
            }
            totals.skipped_bytes += input.skipped_bytes ?? 0
        }
        return totals
    }

    let settings: AnonymizeSettings
    var inputs: [Input] = []
    var totals = RunCounters()
    var seconds = 0.0
    /// The geo tagger (its counts) and settings, when geo was on.
    var geo: (GeoTagger, GeoSettings)?

    init(settings: AnonymizeSettings) {
        self.settings = settings
    }

    var failedInputs: Int { inputs.filter { $0.error != nil }.count }

    var megabytesPerSecond: Double { Double(totals.bytesIn) / 1_000_000 / max(seconds, 1e-6) }

    var methodDescription: String {
        switch settings.method {
        case .truncate: "truncate /\(settings.prefixes.ipv4) /\(settings.prefixes.ipv6)"
        case .hmac, .cryptopan: settings.method.rawValue
        }
    }

    /// The human summary.
    func text() -> String {
        let t = totals
        var dropped = "\(t.linesDropped)"
        let reasons = DropReason.allCases.compactMap { reason in
            t.dropped[reason].map { "\(reason.rawValue) \($0)" }
        }
        if !reasons.isEmpty { dropped += " (\(reasons.joined(separator: ", ")))" }
        let failed = failedInputs > 0 ? ", \(failedInputs) failed" : ""
        let policy = settings.unparsablePolicy == .scrub ? "scrubbed" : "dropped"
        return """
            logonym: \(inputs.count) input\(inputs.count == 1 ? "" : "s")\(failed), method \(methodDescription)
              lines       read \(t.linesRead), written \(t.linesWritten), dropped \(dropped)
              unparsable  \(t.unparsable) not matching the format, \(t.tooLong) over \(settings.maxLineBytes) bytes (\(policy))
              addresses   IPv4 \(t.ipv4Addresses) (of them IPv4-mapped \(t.mappedAddresses)), IPv6 \(t.ipv6Addresses), \
            found by the scanner \(t.scannerAddresses), non-address values \(t.nonAddressValues)\(unchangedText)
              bytes       in \(t.bytesIn), out \(t.bytesOut)
            \(batchText)\(scrubText)  time        \(String(format: "%.2f", seconds)) s, \(String(format: "%.1f", megabytesPerSecond)) MB/s
            \(geoText)
            """
    }

    /// `  batch       2 read, 1 resumed, 0 continued, 3 skipped, 1 duplicate; 1234 decoded bytes not read again`
    /// with `--window`, or nothing.
    private var batchText: String {
        guard let b = batchTotals else { return "" }
        let forced = b.forced ? " (--force: earlier runs not looked at)" : ""
        return
            "  batch       \(b.read) read, \(b.resumed) resumed, \(b.continued) continued, \(b.skipped) skipped, \(b.duplicate) duplicate; \(b.skipped_bytes) decoded bytes not read again\(forced)\n"
    }

    /// `, unchanged by cryptopan N` under cryptopan (see the README's "Crypto-PAn's fixed points").
    private var unchangedText: String {
        settings.method == .cryptopan ? ", unchanged by cryptopan \(totals.cryptopanUnchanged)" : ""
    }

    /// `  scrubbed    param:email 12, detector:card 1, ...` (by count), `  scrubbed    nothing`, or nothing with
    /// the stage off.
    private var scrubText: String {
        guard settings.scrub != nil else { return "" }
        let counts = totals.scrubbed.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        let shown = counts.isEmpty ? "nothing" : counts.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "  scrubbed    \(shown)\n"
    }

    /// `  geo  country, k 10: EU/DE 1,234 lines (56 clients), ...` (the ten biggest rows), or nothing.
    private var geoText: String {
        guard let summary = geoSummary else { return "" }
        let shown = summary.rows.prefix(10).map { "\($0.bucket) \($0.lines) lines (\($0.clients) clients)" }
        let more = summary.rows.count > 10 ? ", and \(summary.rows.count - 10) more" : ""
        let left = summary.suppressedLines > 0 ? "; \(summary.suppressedLines) lines under k left out" : ""
        return "  geo         \(summary.level), k \(summary.k): \(shown.joined(separator: ", "))\(more)\(left)\n"
    }

    /// The summary as one JSON object.
    func json() -> String {
        struct Summary: Encodable {
            var inputs: [Input]
            var inputs_failed: Int
            var method: String
            var ipv4_prefix: Int?
            var ipv6_prefix: Int?
            var lines_read: Int
            var lines_written: Int
            var lines_dropped: Int
            var dropped: [String: Int]
            var unparsable: Int
            var too_long: Int
            var addresses: [String: Int]
            var bytes_in: Int
            var bytes_out: Int
            var seconds: Double
            var mb_per_s: Double
            /// Values the scrub stage replaced, by `param:NAME`, `detector:NAME`, `field:NAME` (nil: stage off).
            var scrubbed: [String: Int]?
            var geo: GeoSummary?
            /// With `--window`: inputs read, resumed, continued, skipped and duplicate.
            var batch: BatchTotals?
        }
        let t = totals
        let truncate = settings.method == .truncate
        let summary = Summary(
            inputs: inputs,
            inputs_failed: failedInputs,
            method: settings.method.rawValue,
            ipv4_prefix: truncate ? settings.prefixes.ipv4 : nil,
            ipv6_prefix: truncate ? settings.prefixes.ipv6 : nil,
            lines_read: t.linesRead,
            lines_written: t.linesWritten,
            lines_dropped: t.linesDropped,
            dropped: Dictionary(uniqueKeysWithValues: DropReason.allCases.map { ($0.rawValue, t.dropped[$0] ?? 0) }),
            unparsable: t.unparsable,
            too_long: t.tooLong,
            addresses: [
                "ipv4": t.ipv4Addresses, "ipv6": t.ipv6Addresses, "ipv4_mapped": t.mappedAddresses,
                "fallback_scanner": t.scannerAddresses, "non_address": t.nonAddressValues,
                "unchanged_by_cryptopan": t.cryptopanUnchanged,
            ],
            bytes_in: t.bytesIn,
            bytes_out: t.bytesOut,
            seconds: (seconds * 1000).rounded() / 1000,
            mb_per_s: (megabytesPerSecond * 10).rounded() / 10,
            scrubbed: settings.scrub == nil ? nil : t.scrubbed,
            geo: geoSummary,
            batch: batchTotals
        )
        return (try? JSONOutput.encode(summary)) ?? "{}"
    }

    /// The k-anonymous geo aggregate: rows of at least k distinct clients, rolled up where smaller.
    struct GeoSummary: Encodable {
        struct Row: Encodable {
            /// `EU/DE/AS64501`, `EU/DE`, `EU`, `ZZ` (everything rolled up to the top), `private`, `unknown`.
            var bucket: String
            var continent: String?
            var country: String?
            var asn: UInt32?
            var lines: Int
            var clients: Int
        }

        var level: String
        var k: Int
        var rows: [Row]
        var suppressedLines: Int
    }

    var geoSummary: GeoSummary? {
        guard let (tagger, geo) = self.geo else { return nil }
        let (rows, suppressed) = tagger.totalCounts.report(k: geo.k, level: geo.level)
        return GeoSummary(
            level: geo.level.rawValue,
            k: geo.k,
            rows: rows.map { row in
                guard let level = row.level else {
                    return .init(bucket: "ZZ", continent: "ZZ", lines: row.lines, clients: row.clients)
                }
                let b = row.bucket
                return .init(
                    bucket: b.fieldText(level),
                    continent: b.continentText,
                    country: level == .continent ? nil : b.countryText,
                    asn: level == .countryASN && b.asn != 0 ? b.asn : nil,
                    lines: row.lines,
                    clients: row.clients
                )
            },
            suppressedLines: suppressed
        )
    }
}
