import Foundation
import LogonymCore
import LogonymTestSupport
import Testing

/// Seeded property tests: an address planted anywhere in a line (any JSON key at any depth, an object key, any
/// variable of a custom nginx or Apache format, inside a sentence, a URL or a percent-encoded query) must not
/// survive in the output, under every method and output format; every input line gives exactly one output line, and
/// JSON output is valid JSON.
///
/// The cases come from a SplitMix64 generator. Set `LOGONYM_PROPERTY_SEED` (decimal or `0x…`) to replay the seed a
/// failure names, and `LOGONYM_PROPERTY_CASES` to run more or fewer cases (default 300). The same seed gives the same
/// cases under every method and output format.
struct AddressPropertyTests {
    /// `nil` when the variable is set but is not a number.
    static let seed = environmentNumber("LOGONYM_PROPERTY_SEED", default: 0x6C6F_676F_6E79_6D21)
    static let cases = environmentNumber("LOGONYM_PROPERTY_CASES", default: 300)

    static func settings() throws -> (seed: UInt64, cases: Int) {
        let seed = try #require(Self.seed, "LOGONYM_PROPERTY_SEED must be a decimal or 0x-hex number")
        let cases = try #require(Self.cases, "LOGONYM_PROPERTY_CASES must be a number")
        return (seed, Int(min(cases, 1_000_000)))
    }

    @Test(arguments: AnonymizationMethod.allCases, OutputFormat.allCases)
    func noPlantedAddressSurvivesInRandomJSONLines(_ method: AnonymizationMethod, _ outputFormat: OutputFormat) throws {
        let (seed, cases) = try Self.settings()
        var findings = Findings(seed: seed, method: method, outputFormat: outputFormat)
        for index in 0..<cases {
            var generator = CaseGenerator(seed: seed, stream: 1, index: index)
            let lines = (0..<generator.random.int(1...3)).map { _ in generator.jsonLine() }
            findings.check(lines, format: .json(JSONLineFormat()), formatText: "JSON lines", index: index)
        }
        findings.record()
    }

    @Test(arguments: AnonymizationMethod.allCases, OutputFormat.allCases)
    func noPlantedAddressSurvivesInRandomNginxFormats(
        _ method: AnonymizationMethod,
        _ outputFormat: OutputFormat
    ) throws {
        let (seed, cases) = try Self.settings()
        var findings = Findings(seed: seed, method: method, outputFormat: outputFormat)
        for index in 0..<cases {
            var generator = CaseGenerator(seed: seed, stream: 2, index: index)
            let slots = generator.nginxSlots()
            let text = joined(slots.map(\.directive), using: &generator.random)
            let format = try LogFormat(nginx: text.format)
            let count = generator.random.int(1...3)
            let lines = (0..<count).map { _ in generator.textLine(slots, text.separators, format) }
            findings.check(lines, format: .text(format), formatText: "nginx: \(text.format)", index: index)
        }
        findings.record()
    }

    @Test(arguments: AnonymizationMethod.allCases, OutputFormat.allCases)
    func noPlantedAddressSurvivesInRandomApacheFormats(
        _ method: AnonymizationMethod,
        _ outputFormat: OutputFormat
    ) throws {
        let (seed, cases) = try Self.settings()
        var findings = Findings(seed: seed, method: method, outputFormat: outputFormat)
        for index in 0..<cases {
            var generator = CaseGenerator(seed: seed, stream: 3, index: index)
            let slots = generator.apacheSlots()
            let text = joined(slots.map(\.directive), using: &generator.random)
            let nginx = try LogFormat.nginxSyntax(fromApache: text.format)
            let format = try LogFormat(nginx: nginx)
            let count = generator.random.int(1...3)
            let lines = (0..<count).map { _ in generator.textLine(slots, text.separators, format) }
            findings.check(
                lines,
                format: .text(format),
                formatText: "apache: \(text.format) (nginx: \(nginx))",
                index: index
            )
        }
        findings.record()
    }
}

// MARK: - Checking

/// An address written into an input line.
private struct Plant {
    /// The address as the line spells it (percent-encoded, for the URL-query form).
    var spelling: String
    /// The spelling with percent escapes undone: it parses as ``address``.
    var plain: String
    /// The canonical value (an IPv4-mapped address is its IPv4 address).
    var address: IPAddress
    /// The variable or key that holds it.
    var field: String
    /// Whether the field is one of the classic address fields (`$remote_addr`, `$http_x_forwarded_for` and the other
    /// variables the format reads as addresses; JSON `remote_addr`, `client_ip`, `remote_ip`, `http_x_forwarded_for`),
    /// for the report.
    var isAddressField: Bool
    /// How it is written into the value (`alone`, `url`, `sentence`, …).
    var form: String
}

private struct Line {
    var text: String
    var plants: [Plant]
}

/// What one test found, grouped by field so that a leaky field is reported once with one example.
private struct Findings {
    let seed: UInt64
    let method: AnonymizationMethod
    let outputFormat: OutputFormat
    private var groups: [String: (count: Int, forms: [String: Int], example: String)] = [:]
    private var lines = 0

    init(seed: UInt64, method: AnonymizationMethod, outputFormat: OutputFormat) {
        self.seed = seed
        self.method = method
        self.outputFormat = outputFormat
    }

    mutating func check(_ input: [Line], format: InputFormat, formatText: String, index: Int) {
        let texts = input.map(\.text)
        let (output, counters) = process(
            texts,
            format: format,
            method: method,
            key: method.needsKey ? testKey : nil,
            outputFormat: outputFormat
        )
        let context =
            "seed 0x\(String(seed, radix: 16)) (replay: LOGONYM_PROPERTY_SEED=0x\(String(seed, radix: 16))) "
            + "case \(index), method \(method), output \(outputFormat)\nformat: \(formatText)"
        func example(_ what: String, _ line: Int, _ out: String) -> String {
            "\(what)\n\(context), line \(line)\ninput:  \(texts[line])\noutput: \(out)"
        }
        var outputs = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard outputs.last == "", outputs.count - 1 == texts.count, counters.linesWritten == texts.count else {
            let all = example("\(texts.count) lines in, \(counters.linesWritten) written", 0, output)
            add("lines lost or doubled", form: nil, all + "\nall input lines:\n" + texts.joined(separator: "\n"))
            return
        }
        outputs.removeLast()
        for (k, line) in input.enumerated() {
            lines += 1
            for plant in line.plants where IPAddress(plant.plain)?.canonical != plant.address {
                add("test bug: a plant does not parse", form: plant.form, example(plant.plain, k, outputs[k]))
            }
            if counters.unparsable > 0,
                process([line.text], format: format, outputFormat: outputFormat).counters.unparsable > 0
            {
                add("test bug: a generated line does not match its format", form: nil, example("", k, outputs[k]))
            }
            var strings: [String] = []
            if outputFormat == .json || format.name == "json" {
                guard let object = try? JSONSerialization.jsonObject(with: Data(outputs[k].utf8)) else {
                    add("output is not valid JSON", form: nil, example("", k, outputs[k]))
                    continue
                }
                collectStrings(object, into: &strings)
            }
            for plant in survivors(of: line.plants, in: outputs[k], decoded: strings) {
                let kind = plant.isAddressField ? "classic address field" : "other field"
                let what = "\(plant.address) written as \"\(plant.spelling)\" (\(plant.form)) survived"
                add("LEAK from \(kind) \(plant.field)", form: plant.form, example(what, k, outputs[k]))
            }
        }
    }

    private mutating func add(_ group: String, form: String?, _ example: @autoclosure () -> String) {
        if groups[group] == nil { groups[group] = (0, [:], example()) }
        groups[group]!.count += 1
        if let form { groups[group]!.forms[form, default: 0] += 1 }
    }

    func record() {
        for (group, entry) in groups.sorted(by: { $0.key < $1.key }) {
            let forms = entry.forms.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let summary = "\(group): \(entry.count) times in \(lines) lines\(forms.isEmpty ? "" : " (\(forms))")"
            Issue.record(Comment(rawValue: summary + "; first:\n" + entry.example))
        }
    }
}

/// The plants still visible in an output line: found by the address scanner in the line as written, with percent
/// and `\xHH` escapes undone, and in its decoded JSON strings; or found as text (spelling or canonical form).
private func survivors(of plants: [Plant], in output: String, decoded strings: [String]) -> [Plant] {
    var found: Set<IPAddress> = []
    for text in [output, undoEscapes(output)] + strings + strings.map(undoEscapes) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            FallbackScanner.forEachAddress(buffer, from: 0, to: buffer.count) { found.insert($0.address.canonical) }
        }
    }
    return plants.filter {
        found.contains($0.address) || output.contains($0.spelling) || output.contains($0.plain)
            || output.contains($0.address.description)
    }
}

/// Every key and string value of a decoded JSON value.
private func collectStrings(_ value: Any, into strings: inout [String]) {
    if let string = value as? String {
        strings.append(string)
    } else if let object = value as? [String: Any] {
        for (key, member) in object {
            strings.append(key)
            collectStrings(member, into: &strings)
        }
    } else if let array = value as? [Any] {
        for element in array { collectStrings(element, into: &strings) }
    }
}

/// Undoes `%HH` and `\xHH` escapes.
private func undoEscapes(_ text: String) -> String {
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    var i = 0
    func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2])
        {
            out.append(high << 4 | low)
            i += 3
        } else if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count, bytes[i + 1] == UInt8(ascii: "x"),
            let high = hex(bytes[i + 2]), let low = hex(bytes[i + 3])
        {
            out.append(high << 4 | low)
            i += 4
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// The directives joined by random separators, and the separators.
private func joined(_ directives: [String], using random: inout SplitMix64) -> (format: String, separators: [String]) {
    let separators = directives.dropFirst().map { _ in random.pick([" ", " | ", " - "]) }
    var format = directives.first ?? ""
    for (separator, directive) in zip(separators, directives.dropFirst()) { format += separator + directive }
    return (format, separators)
}

// MARK: - Generating addresses and values

/// How a value is delimited in its line, which decides what it may contain.
private enum Context {
    /// Up to the next literal (which starts with a blank): no blanks, no quotes.
    case token
    /// nginx `"…"`: a quote is written `\x22`.
    case nginxQuoted
    /// Apache `"…"`: a quote is written `\"`.
    case apacheQuoted
    /// `[…]`: no `]`.
    case bracketed
    /// A JSON string's contents: `\"`, and sometimes `\/` and `\u0026`.
    case json

    var allowsBlanks: Bool {
        switch self {
        case .token: false
        default: true
        }
    }

    var quote: String? {
        switch self {
        case .token: nil
        case .nginxQuoted: #"\x22"#
        case .apacheQuoted, .json: #"\""#
        case .bracketed: "\""
        }
    }
}

private struct Spelled {
    var text: String
    var address: IPAddress
    /// Written as IPv6 (so `[…]:port` with a port).
    var isV6: Bool
    /// Plain IPv6 (not IPv4-mapped), which may carry a zone.
    var mayHaveZone: Bool
}

/// A variable of a text format: its directive, the field's name for the report, and what it holds.
private struct Slot {
    enum Kind {
        case client, forwardedList, time, request, status, bytes, referrer, agent, number, other
    }

    var directive: String
    var field: String
    var kind: Kind
    var context: Context
}

private struct CaseGenerator {
    var random: SplitMix64
    private var plants: [Plant] = []

    init(seed: UInt64, stream: UInt64, index: Int) {
        random = SplitMix64(seed: seed, stream: stream, index: index)
    }

    /// A random public-looking address: IPv4 outside 240.0.0.0/4 with a non-zero last octet; IPv6 outside
    /// 2001:db8::/32 with a non-zero last group (so truncation always changes it), in one of several spellings;
    /// or an IPv4-mapped IPv6 address.
    mutating func address() -> Spelled {
        let v4 =
            UInt32(random.int(1...239)) << 24 | UInt32(random.below(256)) << 16 | UInt32(random.below(256)) << 8
            | UInt32(random.int(1...255))
        let v4Text = IPAddress.v4(v4).description
        switch random.below(10) {
        case 0..<5:
            return Spelled(text: v4Text, address: .v4(v4), isV6: false, mayHaveZone: false)
        case 5:
            let prefix = random.pick(["::ffff:", "::FFFF:", "0:0:0:0:0:ffff:", "0000:0000:0000:0000:0000:FFFF:"])
            return Spelled(text: prefix + v4Text, address: .v4(v4), isV6: true, mayHaveZone: false)
        default:
            var groups = (0..<8).map { _ in UInt16(random.below(0x1_0000)) }
            let firstGroups = [random.int(0x2000...0x3FFF), random.int(0x2A00...0x2A0F), random.int(0x100...0xFEFF)]
            groups[0] = UInt16(random.pick(firstGroups))
            if groups[0] == 0x2001 && groups[1] == 0x0DB8 { groups[1] = 0x0DB9 }
            if random.chance(60) {
                let start = random.int(1...5)
                for k in start..<min(7, start + random.int(1...4)) { groups[k] = 0 }
            }
            groups[7] = UInt16(random.int(1...0xFFFF))
            let hi = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let lo = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let address = IPAddress.v6(hi, lo)
            func full(_ pad: Bool) -> String {
                groups.map { group in
                    let digits = String(group, radix: 16)
                    return pad ? String(repeating: "0", count: 4 - digits.count) + digits : digits
                }.joined(separator: ":")
            }
            let text =
                switch random.below(5) {
                case 0: address.description
                case 1: full(true)
                case 2: address.description.uppercased()
                case 3: full(true).uppercased()
                default: full(false)
                }
            return Spelled(text: text, address: address, isV6: true, mayHaveZone: true)
        }
    }

    private mutating func plant(_ spelled: Spelled, _ field: String, _ isAddressField: Bool, _ form: String) {
        plants.append(
            Plant(
                spelling: spelled.text,
                plain: spelled.text,
                address: spelled.address,
                field: field,
                isAddressField: isAddressField,
                form: form
            )
        )
    }

    /// One address as an address field would hold it: alone, with a port, or with a zone.
    private mutating func addressValue(_ context: Context, _ field: String, _ isAddressField: Bool) -> String {
        let spelled = address()
        switch random.below(4) {
        case 0 where !(spelled.isV6 && context == .bracketed):
            plant(spelled, field, isAddressField, "with port")
            let port = random.int(1...65535)
            return spelled.isV6 ? "[\(spelled.text)]:\(port)" : "\(spelled.text):\(port)"
        case 1 where spelled.mayHaveZone:
            plant(spelled, field, isAddressField, "with zone")
            return spelled.text + random.pick(["%eth0", "%2", "%en0"])
        default:
            plant(spelled, field, isAddressField, "alone")
            return spelled.text
        }
    }

    /// A value holding one or more addresses in any of the ways logs write them, fitting `context`.
    mutating func plantedValue(_ context: Context, _ field: String, _ isAddressField: Bool) -> String {
        var forms = ["alone", "port", "url", "percent", "forwarded", "list"]
        if context.allowsBlanks { forms += ["sentence", "dial", "nginx error"] }
        let form = random.pick(forms)
        let spelled = address()
        let bracketed = context == .bracketed
        let hostPort =
            bracketed
            ? spelled.text
            : spelled.isV6 ? "[\(spelled.text)]:\(random.int(1...65535))" : "\(spelled.text):\(random.int(1...65535))"
        let slash = context == .json && random.chance(30) ? #"\/"# : "/"
        let amp = context == .json && random.chance(30) ? #"\u0026"# : "&"
        switch form {
        case "alone":
            plant(spelled, field, isAddressField, form)
            return spelled.text
        case "port":
            plant(spelled, field, isAddressField, form)
            return hostPort
        case "url":
            plant(spelled, field, isAddressField, form)
            let host = spelled.isV6 && !bracketed ? "[\(spelled.text)]" : spelled.text
            return "http:\(slash)\(slash)\(host):8080\(slash)a?b=c\(amp)d=1"
        case "percent":
            let lower = random.chance(50)
            let encoded = spelled.text.map { c -> String in
                switch c {
                case ".": lower ? "%2e" : "%2E"
                case ":": lower ? "%3a" : "%3A"
                default: String(c)
                }
            }.joined()
            plants.append(
                Plant(
                    spelling: encoded,
                    plain: spelled.text,
                    address: spelled.address,
                    field: field,
                    isAddressField: isAddressField,
                    form: form
                )
            )
            return "https:\(slash)\(slash)example.com\(slash)cb?ip=\(encoded)\(amp)x=1"
        case "forwarded":
            plant(spelled, field, isAddressField, form)
            let node: String
            if let quote = context.quote, spelled.isV6 || random.chance(50) {
                node = quote + (spelled.isV6 && !bracketed ? "[\(spelled.text)]" : spelled.text) + quote
            } else {
                node = spelled.isV6 && !bracketed ? "[\(spelled.text)]" : spelled.text
            }
            return "for=\(node);proto=https;host=example.com"
        case "list":
            let count = random.int(2...3)
            return (0..<count).map { _ in addressValue(bracketed ? .bracketed : context, field, isAddressField) }
                .joined(separator: context.allowsBlanks ? ", " : ",")
        case "sentence":
            plant(spelled, field, isAddressField, form)
            let q = context.quote ?? ""
            return random.pick([
                "seen from \(spelled.text) today",
                "client \(q)\(spelled.text)\(q) said hello",
                "\(spelled.text) is the peer",
            ])
        case "dial":
            plant(spelled, field, isAddressField, form)
            return "dial tcp \(hostPort): connect: connection refused"
        default:
            plant(spelled, field, isAddressField, form)
            return "upstream timed out (110: Connection timed out) while reading response header from upstream, "
                + "client: \(spelled.text), server: example.com"
        }
    }

    // MARK: JSON lines

    private static let benignKeys = [
        "id", "level", "service", "duration", "size", "status", "method", "uri", "request", "http_user_agent",
        "user_agent", "time_local", "@timestamp", "host", "tags", "é", "日本", "with space", #"a\"b"#, "bytes_sent",
        "http_referer", "trace", "count", "ok",
    ]
    private static let benignStrings = [
        "plain", #"with \"quotes\""#, #"back\\slash"#, #"a\u0026b"#, #"path\/to"#, "é", "日本語", "🙂",
        #"\ud83d\ude00"#, #"line\nbreak"#, #"tab\t"#, "", "-", "GET /a?b=1 HTTP/1.1", "v2.0.1", "1.5",
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36", "10/Oct/2026:13:55:36 +0200",
        "2026-10-10T13:55:36+02:00", "example.com",
    ]
    private static let unknownKeys = [
        "note", "upstream", "x", "msg", "message", "peer", "origin", "backend", "upstream_addr", "real_ip", "src",
        "error", "Forwarded", "X-Client",
    ]
    private static let containerKeys = ["ctx", "data", "request", "details", "tls", "extra", "upstream_info"]

    private mutating func member(_ key: String, _ value: String) -> String {
        "\"\(key)\"" + random.pick([":", ": ", " : "]) + value
    }

    private mutating func jsonString() -> String {
        "\"" + (0..<random.int(0...3)).map { _ in random.pick(Self.benignStrings) }.joined(separator: " ") + "\""
    }

    private mutating func jsonScalar() -> String {
        switch random.below(4) {
        case 0: jsonString()
        case 1: random.pick(["0", "-12", "3.14", "1e5", "6.02E23", "-0.5e-3", "200", "1234567890"])
        case 2: random.pick(["true", "false", "null"])
        default: jsonString()
        }
    }

    private mutating func jsonValue(depth: Int) -> String {
        switch random.below(depth < 4 ? 8 : 6) {
        case 0..<5: return jsonScalar()
        case 5: return "[" + (0..<random.int(0...3)).map { _ in jsonScalar() }.joined(separator: ",") + "]"
        case 6: return jsonObject(depth: depth + 1, pending: [])
        default: return "[" + jsonObject(depth: depth + 1, pending: []) + "]"
        }
    }

    /// An object at `depth` (the line's object is depth 1) holding the pending members at their depths, and a few
    /// random ones.
    private mutating func jsonObject(depth: Int, pending: [(text: String, depth: Int)]) -> String {
        var members = pending.filter { $0.depth == depth }.map(\.text)
        for _ in 0..<random.int(0...3) {
            let key = random.pick(Self.benignKeys)
            let value = jsonValue(depth: depth)
            members.append(member(key, value))
        }
        let deeper = pending.filter { $0.depth > depth }
        if !deeper.isEmpty {
            var groups: [[(text: String, depth: Int)]] = [[], []]
            for entry in deeper { groups[random.below(2)].append(entry) }
            for group in groups where !group.isEmpty {
                let child = jsonObject(depth: depth + 1, pending: group)
                let key = random.pick(Self.containerKeys)
                let value = random.chance(25) ? "[\(jsonScalar()),\(child)]" : child
                members.append(member(key, value))
            }
        }
        random.shuffle(&members)
        return "{" + members.joined(separator: random.chance(20) ? ", " : ",") + "}"
    }

    /// A member holding planted addresses, as nginx, Caddy, Traefik or an application would write it.
    private mutating func plantedMember() -> String {
        // The keys logonym read as addresses before every field was scanned.
        let addressKeys: Set = ["remote_addr", "client_ip", "remote_ip", "http_x_forwarded_for"]
        switch random.below(8) {
        case 0:
            let key = random.pick(["remote_addr", "client_ip", "remote_ip"])
            let isAddressField = addressKeys.contains(key)
            let value =
                random.chance(70)
                ? addressValue(.json, key, isAddressField) : plantedValue(.json, key, isAddressField)
            return member(key, "\"\(value)\"")
        case 1:
            let key = "http_x_forwarded_for"
            if random.chance(50) {
                let list = (0..<random.int(1...3)).map { _ in addressValue(.json, key, true) }
                return member(key, "\"" + list.joined(separator: ", ") + "\"")
            }
            let elements = (0..<random.int(1...3)).map { _ in "\"" + addressValue(.json, key, true) + "\"" }
            return member(key, "[" + elements.joined(separator: ",") + "]")
        case 2:
            var headers: [String] = []
            for name in ["X-Forwarded-For", "X-Real-Ip", "Forwarded", "Cf-Connecting-Ip"] where random.chance(50) {
                let field = "\"headers\".\"\(name)\""
                let value =
                    name == "X-Forwarded-For"
                    ? (0..<random.int(1...2)).map { _ in addressValue(.json, field, false) }.joined(separator: ", ")
                    : plantedValue(.json, field, false)
                headers.append(member(name, "[\"\(value)\"]"))
            }
            headers.append(member("User-Agent", "[\"Mozilla/5.0 Chrome/120.0.0.0\"]"))
            random.shuffle(&headers)
            return member("headers", "{" + headers.joined(separator: ",") + "}")
        case 3:
            let key = random.pick(["ClientAddr", "ClientHost", "request_X-Real-Ip", "request_X-Forwarded-For"])
            let value = key == "ClientHost" ? addressValue(.json, key, false) : plantedValue(.json, key, false)
            return member(key, "\"\(value)\"")
        case 4, 5:
            let key = random.pick(Self.unknownKeys)
            let value = plantedValue(.json, "\"\(key)\"", false)
            return member(key, "\"\(value)\"")
        case 6:
            let key = random.pick(Self.unknownKeys)
            var elements = [jsonScalar(), "\"\(plantedValue(.json, "\"\(key)\"[]", false))\""]
            if random.chance(50) { elements.append("\"\(plantedValue(.json, "\"\(key)\"[]", false))\"") }
            random.shuffle(&elements)
            return member(key, "[" + elements.joined(separator: ",") + "]")
        default:
            let key = addressValue(.json, "object key", false)
            let value = jsonScalar()
            return member(key, value)
        }
    }

    /// One JSON object with addresses planted at random depths (1 to 4).
    mutating func jsonLine() -> Line {
        plants = []
        let pending = (0..<random.int(1...4)).map { _ in (text: plantedMember(), depth: random.int(1...4)) }
        return Line(text: jsonObject(depth: 1, pending: pending), plants: plants)
    }

    // MARK: Text formats

    /// nginx variables: `$remote_addr` once, and known and unknown variables, unknown ones with any delimiter.
    mutating func nginxSlots() -> [Slot] {
        let known = [
            Slot(directive: "[$time_local]", field: "$time_local", kind: .time, context: .bracketed),
            Slot(directive: "\"$request\"", field: "$request", kind: .request, context: .nginxQuoted),
            Slot(directive: "$status", field: "$status", kind: .status, context: .token),
            Slot(directive: "$body_bytes_sent", field: "$body_bytes_sent", kind: .bytes, context: .token),
            Slot(directive: "\"$http_referer\"", field: "$http_referer", kind: .referrer, context: .nginxQuoted),
            Slot(directive: "\"$http_user_agent\"", field: "$http_user_agent", kind: .agent, context: .nginxQuoted),
            Slot(
                directive: "\"$http_x_forwarded_for\"",
                field: "$http_x_forwarded_for",
                kind: .forwardedList,
                context: .nginxQuoted
            ),
        ]
        let unknown = [
            "http_forwarded", "proxy_protocol_addr", "the_real_ip", "upstream_addr", "http_cf_connecting_ip",
            "foo_bar", "http_x_custom",
        ]
        var slots: [Slot] = (0..<random.int(2...7)).map { _ in
            if random.chance(45) { return random.pick(known) }
            let name = random.pick(unknown)
            let variable = random.chance(20) ? "${\(name)}" : "$\(name)"
            switch random.below(10) {
            case 0..<5: return Slot(directive: variable, field: "$\(name)", kind: .other, context: .token)
            case 5..<9:
                return Slot(directive: "\"\(variable)\"", field: "$\(name)", kind: .other, context: .nginxQuoted)
            default: return Slot(directive: "[\(variable)]", field: "$\(name)", kind: .other, context: .bracketed)
            }
        }
        let client = Slot(directive: "$remote_addr", field: "$remote_addr", kind: .client, context: .token)
        slots.insert(client, at: random.below(slots.count + 1))
        return slots
    }

    /// Apache directives: `%h` or `%a` once, and known and unknown directives.
    mutating func apacheSlots() -> [Slot] {
        let known = [
            Slot(directive: "%t", field: "%t", kind: .time, context: .bracketed),
            Slot(directive: "\"%r\"", field: "%r", kind: .request, context: .apacheQuoted),
            Slot(directive: "%>s", field: "%>s", kind: .status, context: .token),
            Slot(directive: "%b", field: "%b", kind: .bytes, context: .token),
            Slot(directive: "%D", field: "%D", kind: .number, context: .token),
            Slot(
                directive: "\"%{X-Forwarded-For}i\"",
                field: "%{X-Forwarded-For}i",
                kind: .forwardedList,
                context: .apacheQuoted
            ),
        ]
        var slots: [Slot] = (0..<random.int(2...7)).map { _ in
            if random.chance(45) { return random.pick(known) }
            let directive = random.pick(["%{c}a", "%{CF-Connecting-IP}i", "%{Forwarded}i", "%{Foo}i"])
            if directive != "%{c}a" && random.chance(60) {
                return Slot(directive: "\"\(directive)\"", field: directive, kind: .other, context: .apacheQuoted)
            }
            return Slot(directive: directive, field: directive, kind: .other, context: .token)
        }
        let client = random.pick(["%h", "%a"])
        slots.insert(
            Slot(directive: client, field: client, kind: .client, context: .token),
            at: random.below(slots.count + 1)
        )
        return slots
    }

    /// A line of the format the slots make (with `separators` between them), addresses planted in the address and
    /// unknown fields.
    mutating func textLine(_ slots: [Slot], _ separators: [String], _ format: LogFormat) -> Line {
        plants = []
        let addressSlots = Set(format.indices(of: .clientAddress) + format.indices(of: .forwardedFor))
        var text = ""
        for (k, slot) in slots.enumerated() {
            if k > 0 { text += separators[k - 1] }
            let isAddressField = addressSlots.contains(k)
            let value: String
            switch slot.kind {
            case .client:
                value = addressValue(.token, slot.field, isAddressField)
            case .forwardedList:
                value =
                    random.chance(10)
                    ? "-"
                    : (0..<random.int(1...3)).map { _ in addressValue(slot.context, slot.field, isAddressField) }
                        .joined(separator: ", ")
            case .time:
                value = "10/Oct/2026:13:55:\(random.int(10...59)) +0200"
            case .request:
                value = random.pick(["GET / HTTP/1.1", "GET /index.html?q=1 HTTP/1.1", "POST /api/v1/items HTTP/2.0"])
            case .status:
                value = random.pick(["200", "301", "404", "502"])
            case .bytes:
                value = random.pick(["0", "512", "1048576", "-"])
            case .referrer:
                value = random.pick(["-", "https://example.com/page?x=1"])
            case .agent:
                value = random.pick([
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36", "curl/8.5.0",
                ])
            case .number:
                value = String(random.int(0...9_999_999))
            case .other:
                value =
                    random.chance(15)
                    ? random.pick(["-", "upstream-1", "0.25"]) : plantedValue(slot.context, slot.field, isAddressField)
            }
            switch slot.context {
            case .nginxQuoted, .apacheQuoted, .json: text += "\"\(value)\""
            case .bracketed: text += "[\(value)]"
            case .token: text += value
            }
        }
        return Line(text: text, plants: plants)
    }
}
