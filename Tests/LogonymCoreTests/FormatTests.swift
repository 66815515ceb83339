import Foundation
import LogonymCore
import Testing

struct FormatTests {
    static let time = "[10/Oct/2026:13:55:36 +0200]"

    @Test(arguments: [
        (
            LogFormat.combined,
            #"203.0.113.9 - frank [10/Oct/2026:13:55:36 +0200] "GET /a?b=1 HTTP/1.1" 200 2326 "https://example.com/" "Mozilla/5.0 (X11)""#,
            #"203.0.113.0 - frank [10/Oct/2026:13:55:36 +0200] "GET /a?b=1 HTTP/1.1" 200 2326 "https://example.com/" "Mozilla/5.0 (X11)""#
        ),
        (
            LogFormat.common,
            #"2001:db8:1:2::7 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.0" 304 -"#,
            #"2001:db8:1:: - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.0" 304 -"#
        ),
        (
            LogFormat.vhostCombined,
            #"www.example.com:443 198.51.100.7 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/2.0" 200 512 "-" "curl/8.5.0""#,
            #"www.example.com:443 198.51.100.0 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/2.0" 200 512 "-" "curl/8.5.0""#
        ),
        (
            LogFormat.nginxMain,
            #"10.1.2.3 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" "203.0.113.9, 198.51.100.7""#,
            #"10.1.2.0 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" "203.0.113.0, 198.51.100.0""#
        ),
    ])
    func builtInFormatsReplaceOnlyTheAddresses(_ format: LogFormat, _ input: String, _ expected: String) {
        let (output, counters) = process([input], format: .text(format))
        #expect(output == expected + "\n")
        #expect(counters.unparsable == 0)
    }

    @Test func theAddressFormsFixtureComesOutExactlyAsExpected() throws {
        // Split on the byte 0x0A: as Characters, "\r\n" is one grapheme and would not split.
        func lines(_ name: String) throws -> [String] {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
            return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        let input = try lines("address-forms.log")
        let expected = try lines("address-forms.expected.log")
        let (output, counters) = process(
            input,
            format: .text(.nginxMain),
            prefixes: TruncationPrefixes(ipv4: 24, ipv6: 48)
        )
        let outputLines = Array(output.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(outputLines.count == expected.count)
        for (got, want) in zip(outputLines, expected) {
            #expect(got == want)
        }
        #expect(counters.nonAddressValues == 3, "a hostname client, a leading-zero client and a hostname in a list")
        #expect(counters.unparsable == 3, "the garbage line, the truncated line and the empty line")
    }

    @Test func bytesOutsideTheAddressesAreKeptExactlyIncludingNULAndInvalidUTF8() {
        var line: [UInt8] = Array(
            #"192.0.2.5 - - [10/Oct/2026:13:55:36 +0200] "GET /\#u{00}x HTTP/1.1" 200 1 "-" ""#.utf8
        )
        line += [0xFF, 0xFE, 0x00, 0xC3]
        line += Array("\"\r".utf8)
        let anonymizer = Anonymizer(method: .truncate)
        let processor = LineProcessor(format: .text(.combined), anonymizer: anonymizer)
        var out: [UInt8] = []
        line.withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
        var expected = line
        expected.replaceSubrange(0..<9, with: Array("192.0.2.0".utf8))
        #expect(out == expected + [0x0A])
        #expect(processor.counters.unparsable == 0)
    }

    @Test func customNginxFormatsParseTheNamedFields() throws {
        let format = try LogFormat(
            nginx: #"$time_iso8601 $realip_remote_addr "$request" $status xff=$http_x_forwarded_for rt=$request_time"#
        )
        let line = #"2026-10-10T13:55:36+02:00 2001:db8::9 "GET / HTTP/1.1" 200 xff=192.0.2.1,192.0.2.2 rt=0.004"#
        let (output, counters) = process([line], format: .text(format))
        #expect(
            output == #"2026-10-10T13:55:36+02:00 2001:db8:: "GET / HTTP/1.1" 200 xff=192.0.2.0,192.0.2.0 rt=0.004"#
                + "\n"
        )
        #expect(counters.ipv4Addresses == 2 && counters.ipv6Addresses == 1)
    }

    @Test func apacheFormatStringsTranslateToTheSameFormats() throws {
        let nginx = try LogFormat.nginxSyntax(fromApache: #"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i""#)
        #expect(
            nginx
                == #"$remote_addr $remote_ident $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
        )
        #expect(throws: LogFormatError.self) { try LogFormat.nginxSyntax(fromApache: "%h %Z") }
    }

    @Test(arguments: ["$remote_addr$remote_user", "$status $request", "$ x", "${remote_addr"])
    func badCustomFormatsAreRefused(_ format: String) {
        #expect(throws: LogFormatError.self) { try LogFormat(nginx: format) }
    }

    @Test(arguments: [
        #"203.0.113.9 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 12 "-" "ua" extra 198.51.100.7"#,
        #"203.0.113.9 - - [99/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 12 "-" "ua""#,
        #"203.0.113.9 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" abc 12 "-" "ua""#,
        #"203.0.113.9 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1 200 12 "-" "ua"#,
    ])
    func linesThatDoNotMatchAreScrubbedByTheFallbackScanner(_ line: String) {
        let (output, counters) = process([line], format: .text(.combined))
        #expect(counters.unparsable == 1)
        #expect(!output.contains("203.0.113.9"))
        #expect(!output.contains("198.51.100.7"))
    }

    @Test func aFormatWithMoreVariablesThanAMatchHoldsIsRefusedSayingSo() throws {
        let format = "$remote_addr" + String(repeating: " $x", count: FieldMatch.maxVariables)
        #expect {
            try LogFormat(nginx: format)
        } throws: {
            ($0 as? LogFormatError)?.message.contains("\(FieldMatch.maxVariables + 1) variables") == true
        }
        let largest = "$remote_addr" + String(repeating: " $x", count: FieldMatch.maxVariables - 1)
        #expect(try LogFormat(nginx: largest).variableCount == FieldMatch.maxVariables)
    }

    @Test func aW3CDirectiveWithTooManyFieldsLeavesItsLinesToTheScanner() throws {
        let fields = ["date", "time", "c-ip"] + (0..<FieldMatch.maxVariables).map { "x-\($0)" }
        let values = ["2026-11-27", "08:20:37", "81.2.69.142"] + (0..<FieldMatch.maxVariables).map { _ in "v" }
        #expect(LogFormat.w3c(fields: fields.joined(separator: " ")) == nil)
        let (output, counters) = process(
            ["#Fields: " + fields.joined(separator: " "), values.joined(separator: " ")],
            format: .text(.w3cDefault)
        )
        #expect(!output.contains("81.2.69.142"))
        #expect(output.contains("81.2.69.0"))
        #expect(counters.linesWritten == 2)
        // After a usable directive too: the fields before the rejected one no longer describe the lines (found by
        // an attack: the old fields took the whole rest of the line as the client and replaced it with `-`).
        let (after, afterCounters) = process(
            [
                "#Fields: date time cs-uri-stem c-ip", "2026-11-27 08:20:37 /a 81.2.69.7",
                "#Fields: " + fields.joined(separator: " "), values.joined(separator: " "),
            ],
            format: .text(.w3cDefault)
        )
        let last = try #require(after.split(separator: "\n").last)
        #expect(last.hasPrefix("2026-11-27 08:20:37 81.2.69.0 v v v"), "\(last.prefix(60))")
        #expect(afterCounters.unparsable == 1)
        #expect(afterCounters.linesWritten == 4)
    }

    @Test func unparsableLinesAreDroppedAndCountedWhenAsked() {
        let (output, counters) = process(["garbage 192.0.2.1", "", "x"], format: .text(.combined), policy: .drop)
        #expect(output.isEmpty)
        #expect(counters.dropped[.unparsable] == 3 && counters.linesRead == 3 && counters.linesWritten == 0)
    }

    @Test func hmacReplacesNonAddressClientsWithAKeyedToken() {
        let line = #"proxy.internal - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "ua""#
        let (first, _) = process([line], format: .text(.combined), method: .hmac, key: testKey)
        let (again, _) = process([line], format: .text(.combined), method: .hmac, key: testKey)
        let (other, _) = process([line], format: .text(.combined), method: .hmac, key: otherKey)
        #expect(first.hasPrefix("x-") && !first.contains("proxy.internal"))
        #expect(first == again && first != other)
    }
}
