import Foundation
import LogonymIO

/// The controller's report as Markdown, or as one self-contained HTML file with inline SVG charts. Every number
/// the HTML shows is in an element with `data-field` naming the JSON field it comes from.
enum ReportRendering {
    // MARK: Markdown

    /// Markdown text: what could open a tag or a table cell, or mark up, is escaped.
    static func m(_ text: String) -> String {
        var out = ""
        for c in text {
            if "\\`*_[]<>|#".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func markdown(_ r: ControllerReport) -> String {
        var md = "# logonym report" + (r.tenant.map { ": tenant \($0)" } ?? "") + "\n\n"
        md += "Period: \(r.period.since ?? "start") to \(r.period.until ?? "now"); generated \(r.generated).\n\n"
        if let c = r.configuration {
            md += "## Configuration in force\n\n| setting | value |\n|---|---|\n"
            for (name, value) in configurationRows(c) { md += "| \(name) | \(m(value)) |\n" }
            md += "\n"
        }
        md += "## Lines\n\n| | lines |\n|---|---:|\n"
        md += "| read | \(r.linesRead) |\n| written | \(r.linesWritten) |\n| dropped | \(r.linesDropped) |\n"
        md += "| erased (forget) | \(r.linesErased) |\n"
        for (reason, count) in r.dropped.sorted(by: { $0.key < $1.key }) { md += "| dropped: \(reason) | \(count) |\n" }
        md += "\n| day | read | written | dropped |\n|---|---:|---:|---:|\n"
        for day in r.days { md += "| \(day.day) | \(day.read) | \(day.written) | \(day.dropped) |\n" }
        md += "\n## Keys\n\n\(r.keysCreated) created, \(r.keysDestroyed) destroyed, \(r.keysLate) late.\n\n"
        md += "| key | window | created | due | destroyed | |\n|---|---|---|---|---|---|\n"
        for key in r.keys {
            md +=
                "| \(m(key.id)) | \(key.window) | \(key.created) | \(key.due) | \(key.destroyed ?? "alive") | \(key.late ? "**late**" : "") |\n"
        }
        md += "\n## Deletions\n\n\(r.segmentsDeleted) segments deleted.\n\n"
        md += "## Requests\n\n"
        if r.requests.isEmpty { md += "None.\n" }
        for request in r.requests {
            md += "- \(request.time) \(request.kind) by \(m(request.user ?? "unknown")): \(m(request.outcome))\n"
        }
        md += "\n## Reads by user\n\n| user | uid | reads | commands |\n|---|---:|---:|---|\n"
        for read in r.reads {
            md +=
                "| \(m(read.user)) | \(read.uid.map(String.init) ?? "") | \(read.reads) | \(m(read.commands.joined(separator: ", "))) |\n"
        }
        md += "\n## Losses\n\n"
        if r.losses.isEmpty { md += "None recorded.\n" }
        for loss in r.losses {
            md += "- \(loss.time) \(m(loss.input)): \(m(loss.reason))\(loss.bytes.map { ", \($0) bytes" } ?? "")\n"
        }
        md += "\n## Audit log\n\n\(r.auditEntries) entries in the period. "
        if let chain = r.auditChain {
            md +=
                chain.intact
                ? "The chain is intact" : "The chain is BROKEN (\(chain.problems) problems; run logonym audit --verify)"
            if let id = chain.headID, let hash = chain.headHash { md += "; head: entry \(id), sha256 `\(hash)`" }
            md += ".\n"
        }
        return md
    }

    static func configurationRows(_ c: ControllerReport.Configuration) -> [(String, String)] {
        [
            ("file", c.path), ("sha256", c.sha256), ("method", c.method),
            ("prefixes (truncate)", "IPv4 /\(c.ipv4Prefix), IPv6 /\(c.ipv6Prefix)"), ("window", c.window),
            ("key mode", c.keyMode), ("output retention", duration(c.outputRetention)),
            ("key retention", duration(c.keyRetention)), ("raw input retention", duration(c.rawInputRetention)),
            ("audit retention", duration(c.auditRetention)),
        ]
    }

    static func duration(_ seconds: Int64?) -> String {
        guard let seconds else { return "kept" }
        if seconds % 86_400 == 0 { return "\(seconds / 86_400) days" }
        if seconds % 3600 == 0 { return "\(seconds / 3600) hours" }
        return "\(seconds) seconds"
    }

    // MARK: HTML

    static func html(_ r: ControllerReport) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>logonym report</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:60em;color:#222}
            table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em}
            td.n{text-align:right}.late{color:#b00;font-weight:bold}svg{display:block;margin:.5em 0 1.5em}
            </style></head><body>
            <h1>logonym report</h1>

            """
        if let tenant = r.tenant { h += "<p>Tenant: <span data-field=\"tenant\">\(e(tenant))</span></p>\n" }
        h += "<p>Period: <span data-field=\"period.since\">\(e(r.period.since ?? "start"))</span> to "
        h +=
            "<span data-field=\"period.until\">\(e(r.period.until ?? "now"))</span>; generated \(e(r.generated)).</p>\n"
        if let c = r.configuration {
            h += "<h2>Configuration in force</h2><table>\n"
            for (name, value) in configurationRows(c) { h += "<tr><th>\(e(name))</th><td>\(e(value))</td></tr>\n" }
            h += "</table>\n"
        }
        h += "<h2>Lines</h2><table>\n"
        h += row("read", "lines_read", r.linesRead) + row("written", "lines_written", r.linesWritten)
        h += row("dropped", "lines_dropped", r.linesDropped) + row("erased (forget)", "lines_erased", r.linesErased)
        for (reason, count) in r.dropped.sorted(by: { $0.key < $1.key }) {
            h += row("dropped: \(reason)", "dropped.\(reason)", count)
        }
        h += "</table>\n"
        h +=
            "<h3>Lines per day</h3>\n"
            + barChart(r.days.map { ($0.day, [$0.read, $0.written]) }, colors: ["#9bb", "#357"])
        h += "<h3>Drops per day</h3>\n" + barChart(r.days.map { ($0.day, [$0.dropped]) }, colors: ["#c63"])
        h += "<h2>Keys</h2><table>\n"
        h += row("created", "keys_created", r.keysCreated) + row("destroyed", "keys_destroyed", r.keysDestroyed)
        h += row("late", "keys_late", r.keysLate) + "</table>\n"
        h += "<h3>Key destruction timeline</h3>\n" + keyTimeline(r.keys)
        h += "<table><tr><th>key</th><th>window</th><th>created</th><th>due</th><th>destroyed</th></tr>\n"
        for key in r.keys {
            h += "<tr\(key.late ? " class=\"late\"" : "")><td>\(e(key.id))</td><td>\(e(key.window))</td>"
            h +=
                "<td>\(e(key.created))</td><td>\(e(key.due))</td><td>\(e(key.destroyed ?? "alive"))\(key.late ? " (late)" : "")</td></tr>\n"
        }
        h += "</table>\n<h2>Deletions</h2><table>\n" + row("segments deleted", "segments_deleted", r.segmentsDeleted)
        h += "</table>\n<h2>Requests</h2>\n<table><tr><th>time</th><th>kind</th><th>by</th><th>outcome</th></tr>\n"
        for request in r.requests {
            h += "<tr><td>\(e(request.time))</td><td>\(e(request.kind))</td><td>\(e(request.user ?? "unknown"))</td>"
            h += "<td>\(e(request.outcome))</td></tr>\n"
        }
        h +=
            "</table>\n<h2>Reads by user</h2>\n<table><tr><th>user</th><th>uid</th><th>reads</th><th>commands</th></tr>\n"
        for read in r.reads {
            h += "<tr><td>\(e(read.user))</td><td class=\"n\">\(read.uid.map(String.init) ?? "")</td>"
            h +=
                "<td class=\"n\" data-field=\"reads.\(e(read.user))\">\(read.reads)</td><td>\(e(read.commands.joined(separator: ", ")))</td></tr>\n"
        }
        h += "</table>\n<h2>Losses</h2>\n<table><tr><th>time</th><th>input</th><th>reason</th><th>bytes</th></tr>\n"
        for loss in r.losses {
            h += "<tr><td>\(e(loss.time))</td><td>\(e(loss.input))</td><td>\(e(loss.reason))</td>"
            h += "<td class=\"n\">\(loss.bytes.map(String.init) ?? "")</td></tr>\n"
        }
        h += "</table>\n<h2>Audit log</h2><table>\n" + row("entries in the period", "audit_entries", r.auditEntries)
        if let chain = r.auditChain {
            h +=
                "<tr><th>chain</th><td data-field=\"audit_chain.intact\">\(chain.intact ? "intact" : "BROKEN")</td></tr>\n"
            if let id = chain.headID, let hash = chain.headHash {
                h +=
                    "<tr><th>head</th><td>entry \(id), sha256 <code data-field=\"audit_chain.head_hash\">\(e(hash))</code></td></tr>\n"
            }
        }
        h += "</table>\n</body></html>\n"
        return h
    }

    private static func row(_ name: String, _ field: String, _ value: Int) -> String {
        "<tr><th>\(e(name))</th><td class=\"n\" data-field=\"\(e(field))\">\(value)</td></tr>\n"
    }

    /// HTML text: `&`, `<`, `>` and `"` escaped.
    static func e(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Bars per label (one per series, side by side), scaled to the largest value.
    static func barChart(_ data: [(String, [Int])], colors: [String]) -> String {
        guard !data.isEmpty else { return "<p>No lines in the period.</p>\n" }
        let height = 120.0
        let group = 24.0 * Double(colors.count) + 12
        let width = max(200, group * Double(data.count) + 40)
        let top = Double(max(1, data.flatMap(\.1).max() ?? 1))
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height + 40))\" role=\"img\">\n"
        for (i, (label, values)) in data.enumerated() {
            let x0 = 20 + Double(i) * group
            for (k, value) in values.enumerated() {
                let barHeight = height * Double(value) / top
                svg +=
                    "<rect x=\"\(fmt(x0 + Double(k) * 24))\" y=\"\(fmt(height - barHeight + 10))\" width=\"20\" height=\"\(fmt(barHeight))\" fill=\"\(colors[k % colors.count])\"><title>\(e(label)): \(value)</title></rect>\n"
            }
            svg +=
                "<text x=\"\(fmt(x0))\" y=\"\(fmt(height + 28))\" font-size=\"10\">\(e(String(label.suffix(5))))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Each key as a bar from its creation to its destruction (or now), with a tick where it was due.
    static func keyTimeline(_ keys: [ControllerReport.Key]) -> String {
        guard !keys.isEmpty else { return "<p>No window keys in the period.</p>\n" }
        func seconds(_ text: String) -> Double { ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970 ?? 0 }
        let now = Date().timeIntervalSince1970
        let spans = keys.map { key in (key, seconds(key.created), key.destroyed.map(seconds) ?? now, seconds(key.due)) }
        let start = spans.map { min($0.1, $0.3) }.min() ?? 0
        let end = max(spans.map { max($0.2, $0.3) }.max() ?? 1, start + 1)
        let width = 600.0
        let rowHeight = 14.0
        func x(_ t: Double) -> String { fmt(150 + width * (t - start) / (end - start)) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width + 170))\" height=\"\(Int(Double(keys.count) * rowHeight + 10))\" role=\"img\">\n"
        for (i, (key, created, destroyed, due)) in spans.enumerated() {
            let y = Double(i) * rowHeight + 4
            svg += "<text x=\"0\" y=\"\(fmt(y + 10))\" font-size=\"10\">\(e(key.window))</text>\n"
            let barWidth = max(1, 600 * (destroyed - created) / (end - start))
            svg +=
                "<rect x=\"\(x(created))\" y=\"\(fmt(y))\" width=\"\(fmt(barWidth))\" height=\"10\" fill=\"\(key.late ? "#c33" : "#5a8")\"><title>\(e(key.id))</title></rect>\n"
            svg +=
                "<line x1=\"\(x(due))\" x2=\"\(x(due))\" y1=\"\(fmt(y - 1))\" y2=\"\(fmt(y + 11))\" stroke=\"#000\"/>\n"
        }
        return svg + "</svg>\n"
    }

    private static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}
