import LogonymCore
import Testing

/// No input address may survive in the output, under any method, for any line: the address fields of parsed
/// lines, anything address-looking in their other fields (a user agent, an unknown JSON key), and anything
/// address-looking in lines that do not parse.
struct FailClosedTests {
    /// Random lines around random addresses: valid lines, truncated lines, garbage, lists and odd spellings.
    static func corpus(count: Int) -> (lines: [String], addresses: Set<String>) {
        var generator = SystemRandomNumberGenerator()
        var lines: [String] = []
        var addresses: Set<String> = []
        func address() -> String {
            let value: IPAddress =
                Int.random(in: 0..<3, using: &generator) == 0
                ? .v6(
                    0x2001_0DB8_0000_0000 | UInt64.random(in: 0..<0xFFFF_FFFF, using: &generator),
                    .random(in: 1...UInt64.max, using: &generator)
                )
                : .v4(UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &generator))
            let text = value.description
            addresses.insert(text)
            return text
        }
        let garbage = Array("abc xyz;=/\"[]-, \u{1}\u{7F}é".unicodeScalars)
        for _ in 0..<count {
            let a = address()
            let b = address()
            let line: String
            switch Int.random(in: 0..<6, using: &generator) {
            case 0:
                line = #"\#(a) - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "ua" "\#(b), \#(address())""#
            case 1:
                let full = #"\#(a) - - [10/Oct/2026:13:55:36 +0200] "GET /?x=\#(b) HTTP/1.1" 200 1 "-" "ua""#
                line = String(full.prefix(Int.random(in: 20..<full.count, using: &generator)))
            case 2:
                line =
                    (0..<Int.random(in: 1..<30, using: &generator)).map { _ in
                        String(garbage.randomElement(using: &generator)!)
                    }.joined() + a + "," + "[\(b)]:80"
            case 3:
                line = "::ffff:\(a.contains(":") ? "192.0.2.9" : a) - - [bad] \(b)"
            case 4:
                line = #"{"remote_addr":"\#(a)","http_x_forwarded_for":"\#(b)","note":"\#(address())"}"#
            default:
                line = "\(a)%eth0 \(b):443 \(a)"
            }
            lines.append(line)
        }
        return (lines, addresses)
    }

    @Test(arguments: [AnonymizationMethod.truncate, .hmac, .cryptopan], [OutputFormat.same, .json])
    func noInputAddressAppearsInTheOutput(_ method: AnonymizationMethod, _ outputFormat: OutputFormat) throws {
        let (lines, addresses) = Self.corpus(count: 400)
        let key = method.needsKey ? testKey : nil
        let anonymizer = Anonymizer(method: method, key: key)
        for format in [InputFormat.text(.nginxMain), .text(.combined), .json(JSONLineFormat())] {
            let (output, counters) = process(
                lines,
                format: format,
                method: method,
                key: key,
                outputFormat: outputFormat
            )
            #expect(counters.linesWritten == lines.count)
            let tokens = Set(
                output.split(whereSeparator: { !($0.isHexDigit || $0 == ":" || $0 == ".") }).map(String.init)
            )
            for address in addresses where tokens.contains(address) {
                // Allowed only when the address is its own anonymized form (e.g. 192.0.2.0 under truncate).
                let own = anonymizer.pseudonym(for: IPAddress(address)!).description
                #expect(own == address, "\(address) leaked under \(method), \(format.name), \(outputFormat)")
            }
        }
    }
}
