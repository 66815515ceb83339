import Foundation
import LogonymCore
import Testing

/// Inputs from an attack on the address scanner (`Tests/Fixtures/attacks`, described in its README): each once got a
/// raw address through. Under `truncate` every output line must hold no address with host bits set, as the output
/// verifier sees it, with the scrub stage on and off, in both output formats; and every line is written.
struct AttackRegressionTests {
    static let files = [
        "L1_cleantext.log", "L2_urlcache.log", "L3_screen.log", "L4_jsonliteral.log", "L5_forwarded.json",
        "L5_forwarded.txt", "L6_json_unicode.log", "L7_overlap.log", "L8_decodehide.log", "L9_4rounds.log",
        "L10_v6tail.log", "V2_fp.log", "Z1_zone.log", "Z1_zone.json", "Z1_forwarded.txt", "O1_overlap.log",
        "O1_overlap.json", "J1_status.json",
    ]

    @Test(arguments: files)
    func noAttackLeaksAnAddress(_ name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("attacks/" + name)))
        let lines = data.split(separator: 0x0A).map { Array($0) }
        let format: InputFormat
        if name.hasSuffix(".txt") {
            format = .text(
                try LogFormat(
                    nginx: #"$remote_addr [$time_local] "$request" $status "$http_forwarded" $http_forwarded"#
                )
            )
        } else {
            let sample = Array(data)
            format = sample.withUnsafeBufferPointer {
                FormatDetector.detect($0, from: 0, to: $0.count, json: JSONLineFormat()).format
            }
        }
        let verifier = try #require(OutputVerifier(method: .truncate, prefixes: .ga))
        for scrub in [true, false] {
            for outputFormat in [OutputFormat.same, .json] {
                let processor = LineProcessor(
                    format: format,
                    anonymizer: Anonymizer(method: .truncate),
                    outputFormat: outputFormat
                )
                if scrub { processor.setScrubber(Scrubber(settings: ScrubSettings())) }
                var out: [UInt8] = []
                for line in lines {
                    line.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
                }
                let written = out.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
                #expect(written.count == lines.count, "\(name): \(written.count) lines for \(lines.count)")
                for (number, line) in written.enumerated() {
                    let findings = Array(line).withUnsafeBufferPointer {
                        verifier.findings(in: $0, from: 0, to: $0.count)
                    }
                    #expect(
                        findings == 0,
                        "\(name) scrub \(scrub) \(outputFormat) line \(number + 1): \(String(decoding: line, as: UTF8.self))"
                    )
                }
            }
        }
    }

    /// From the attack on the speed work (issue 12): an address whose escaped text runs into a second one, and an
    /// IPv6 address behind a glued hex digit with a second `::` after it. The old output kept the first's host octet
    /// as the second's prefix (`81.2.69.0123.6.7.0`, which `verify` could not see) or the whole IPv6 address.
    @Test(arguments: [
        ("81%2E2%2E69%2E123.6.7.8", ["0123", ".123."]),
        ("12001:db8:7::7::ffff:81.2.69.7", ["7::7", "81.2.69.7"]),
        ("12a02:cf40::17::ffff:81.2.69.7", ["::17", "81.2.69.7"]),
    ])
    func overlappingOrGluedAddressesShowNoHostPart(_ value: String, _ forbidden: [String]) {
        for method in [AnonymizationMethod.truncate, .hmac] {
            let request = #""GET /a?q=\#(value) HTTP/1.1" 200 1 "-" "ua \#(value) z""#
            let line = "198.51.100.7 - - [10/Oct/2026:13:55:36 +0200] " + request
            let (output, counters) = process([line], format: .text(.combined), method: method, key: testKey)
            for text in forbidden { #expect(!output.contains(text), "\(method): \(output)") }
            #expect(counters.linesWritten == 1)
        }
    }

    /// From the same attack: an address split across variables by literal dots came out whole, each part scanned
    /// alone. Variables glued by such literals are scanned as one span; a blank between them is no glue.
    @Test(arguments: [
        (#"$remote_addr $a.$b.$c.$d"#, "198.51.100.1 81.2.69.7", "198.51.100.0 81.2.69.0"),
        (#"$remote_addr $a.$b.$c.$d x"#, "198.51.100.1 181.102.169.107 x", "198.51.100.0 181.102.169.0 x"),
        (#"$remote_addr $request_time.$foo"#, "198.51.100.1 81.2.69.7", "198.51.100.0 81.2.69.0"),
        (#"$remote_addr $a:$b"#, "198.51.100.1 2001:db8:7::7", "198.51.100.0 2001:db8:7::"),
        (#"$remote_addr $a $b"#, "198.51.100.1 81.2 69.7", "198.51.100.0 81.2 69.7"),
    ])
    func anAddressSplitAcrossGluedVariablesIsSeenWhole(_ format: String, _ line: String, _ expected: String) throws {
        let (output, counters) = process([line], format: .text(try LogFormat(nginx: format)))
        #expect(output == expected + "\n")
        #expect(counters.unparsable == 0)
    }

    @Test func aStatusOrSizeThatIsNotDigitsIsLeftOutOfJSONOutput() {
        let line = #"{"remote_addr":"10.1.2.3","status":"192.168.100.200","body_bytes_sent":"203.113.200.123"}"#
        let (output, _) = process([line], format: .json(JSONLineFormat()), outputFormat: .json)
        #expect(output == #"{"client":"10.1.2.0"}"# + "\n")
        let digits = #"{"remote_addr":"10.1.2.3","status":"200","body_bytes_sent":512}"#
        #expect(
            process([digits], format: .json(JSONLineFormat()), outputFormat: .json).output
                == #"{"client":"10.1.2.0","status":200,"bytes":512}"# + "\n"
        )
    }
}
