import LogonymCore

/// Runs lines through a processor and returns the output as text.
func process(
    _ lines: [String],
    format: InputFormat,
    method: AnonymizationMethod = .truncate,
    prefixes: TruncationPrefixes = .ga,
    key: PseudonymKey? = nil,
    outputFormat: OutputFormat = .same,
    policy: UnparsablePolicy = .scrub
) -> (output: String, counters: RunCounters) {
    let anonymizer = Anonymizer(method: method, prefixes: prefixes, key: key)
    let processor = LineProcessor(
        format: format,
        anonymizer: anonymizer,
        outputFormat: outputFormat,
        unparsablePolicy: policy
    )
    var out: [UInt8] = []
    for line in lines {
        let bytes = Array(line.utf8)
        bytes.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
    }
    return (String(decoding: out, as: UTF8.self), processor.counters)
}

/// Scrubs text with the fallback scanner.
func scrub(_ text: String, method: AnonymizationMethod = .truncate, key: PseudonymKey? = nil) -> String {
    let anonymizer = Anonymizer(method: method, key: key)
    var counters = RunCounters()
    var out: [UInt8] = []
    let bytes = Array(text.utf8)
    bytes.withUnsafeBufferPointer {
        _ = FallbackScanner.scrub($0, from: 0, to: $0.count, anonymizer: anonymizer, counters: &counters, into: &out)
    }
    return String(decoding: out, as: UTF8.self)
}

let testKey = PseudonymKey(hex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")!
let otherKey = PseudonymKey(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")!
