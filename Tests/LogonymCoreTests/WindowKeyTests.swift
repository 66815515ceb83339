import LogonymCore
import Testing

/// Per-window anonymizers in the line processor, expiry, and the derived-key construction.
struct WindowKeyTests {
    /// Hands out one anonymizer per window from keys derived from ``testKey``; windows before `expiredBefore` are
    /// past retention.
    final class Windows: WindowAnonymizers {
        let window = WindowLength.hour
        var generation = 0
        var expiredBefore: Int64 = 0
        var asked: [Int64] = []

        func anonymizer(forWindowStarting start: Int64) -> Anonymizer? {
            asked.append(start)
            guard start >= expiredBefore else { return nil }
            let key = PseudonymKey(derivedFrom: testKey, window: window, windowStart: start)
            return Anonymizer(method: .hmac, key: key)
        }

        func currentWindowStart() -> Int64 { 1_893_459_600 }
    }

    static func line(_ client: String, hour: Int, minute: Int = 0) -> String {
        "\(client) - - [01/Jan/2030:\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute):00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\""
    }

    static func run(_ lines: [String], _ windows: Windows) -> ([String], RunCounters, [Int64?]) {
        let processor = LineProcessor(format: .text(.combined), windows: windows)
        var outputs: [String] = []
        var starts: [Int64?] = []
        for line in lines {
            var out: [UInt8] = []
            Array(line.utf8).withUnsafeBufferPointer { processor.process($0, from: 0, to: $0.count, into: &out) }
            outputs.append(String(decoding: out, as: UTF8.self))
            starts.append(out.isEmpty ? nil : processor.lastWindowStart)
        }
        return (outputs, processor.counters, starts)
    }

    @Test func oneAddressHasOnePseudonymPerWindowAndAnotherInTheNext() {
        let windows = Windows()
        let (out, counters, starts) = Self.run(
            [
                Self.line("203.0.113.7", hour: 0), Self.line("203.0.113.7", hour: 0, minute: 59),
                Self.line("203.0.113.7", hour: 1),
            ],
            windows
        )
        let pseudonyms = out.map { String($0.prefix { $0 != " " }) }
        #expect(pseudonyms[0] == pseudonyms[1])
        #expect(pseudonyms[1] != pseudonyms[2])
        #expect(starts == [1_893_456_000, 1_893_456_000, 1_893_459_600])
        #expect(windows.asked == [1_893_456_000, 1_893_459_600], "asked once per change of window")
        #expect(counters.linesWritten == 3)
    }

    @Test func aLineOfAnExpiredWindowIsDroppedAndCountedAndTheLinesAfterItAreNot() {
        let windows = Windows()
        windows.expiredBefore = 1_893_459_600
        let (out, counters, _) = Self.run(
            [Self.line("203.0.113.7", hour: 0), "garbage 198.51.100.1", Self.line("203.0.113.7", hour: 1)],
            windows
        )
        #expect(out[0].isEmpty)
        #expect(out[1].isEmpty, "a line without a time belongs to the window of the line before it")
        #expect(!out[2].isEmpty && !out[2].contains("203.0.113.7"))
        #expect(counters.dropped[.expired] == 2)
        #expect(counters.linesRead == 3 && counters.linesWritten == 1)
    }

    @Test func aNewGenerationMakesTheProcessorAskAgain() {
        let windows = Windows()
        let processor = LineProcessor(format: .text(.combined), windows: windows)
        var out: [UInt8] = []
        for _ in 0..<2 {
            Array(Self.line("203.0.113.7", hour: 0).utf8).withUnsafeBufferPointer {
                processor.process($0, from: 0, to: $0.count, into: &out)
            }
            windows.generation += 1
        }
        #expect(windows.asked.count == 2)
    }

    /// RFC 5869, test cases 1 and 3.
    @Test func hkdfMatchesRFC5869() {
        func hex(_ text: String) -> [UInt8] {
            stride(from: 0, to: text.count, by: 2).map {
                let start = text.index(text.startIndex, offsetBy: $0)
                return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16)!
            }
        }
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let one = PseudonymKey.hkdfSHA256(
            inputKey: ikm,
            salt: Array(0x00...0x0c),
            info: Array(0xf0...0xf9),
            length: 42
        )
        #expect(one == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
        let three = PseudonymKey.hkdfSHA256(inputKey: ikm, salt: [], info: [], length: 42)
        #expect(three == hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"))
    }

    @Test func derivedWindowKeysDifferPerWindowAndLengthAndRepeatOnEveryNode() {
        let a = PseudonymKey(derivedFrom: testKey, window: .hour, windowStart: 1_893_456_000)
        let b = PseudonymKey(derivedFrom: testKey, window: .hour, windowStart: 1_893_456_000)
        let nextHour = PseudonymKey(derivedFrom: testKey, window: .hour, windowStart: 1_893_459_600)
        let day = PseudonymKey(derivedFrom: testKey, window: .day, windowStart: 1_893_456_000)
        let otherMaster = PseudonymKey(derivedFrom: otherKey, window: .hour, windowStart: 1_893_456_000)
        #expect(a.bytes == b.bytes)
        #expect(Set([a.bytes, nextHour.bytes, day.bytes, otherMaster.bytes]).count == 4)
    }
}
