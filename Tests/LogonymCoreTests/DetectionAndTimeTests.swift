import LogonymCore
import Testing

struct DetectionAndTimeTests {
    static let combinedLine =
        #"192.0.2.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "ua""#

    @Test(arguments: [
        (combinedLine, "combined"),
        (#"192.0.2.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1"#, "common"),
        (#"192.0.2.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "ua" "-""#, "nginx-main"),
        (#"a.example:80 192.0.2.1 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1" 200 1 "-" "ua""#, "vhost_combined"),
        (#"{"remote_addr":"192.0.2.1","status":"200"}"#, "json"),
    ])
    func detectsTheFormatFromTheFirstLines(_ line: String, _ name: String) {
        let text = Array((Array(repeating: line, count: 5) + ["garbage", ""]).joined(separator: "\n").utf8)
        let result = text.withUnsafeBufferPointer {
            FormatDetector.detect($0, from: 0, to: $0.count, json: JSONLineFormat())
        }
        #expect(result.format.name == name)
        #expect(result.matched == 5 && result.sampled == 6)
    }

    @Test(arguments: [
        ("10/Oct/2026:13:55:36 +0200", 1_791_633_336, "2026-10-10T13:55:36+02:00"),
        ("01/Jan/1970:00:00:00 +0000", 0, "1970-01-01T00:00:00+00:00"),
        ("29/Feb/2024:23:59:59 -0530", 1_709_270_999, "2024-02-29T23:59:59-05:30"),
    ])
    func parsesLocalTimestamps(_ text: String, _ epoch: Int64, _ iso: String) throws {
        let bytes = Array(text.utf8)
        let time = try #require(bytes.withUnsafeBufferPointer { LogTimestamp.parseLocal($0, from: 0, to: $0.count) })
        #expect(time.epochSeconds == epoch)
        var out: [UInt8] = []
        time.writeISO8601(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == iso)
        let back = try #require(out.withUnsafeBufferPointer { LogTimestamp.parseISO8601($0, from: 0, to: $0.count) })
        #expect(back == time)
    }

    @Test(arguments: ["10/Foo/2026:13:55:36 +0200", "10/Oct/2026:25:55:36 +0200", "10/Oct/2026:13:55:36", "x"])
    func rejectsMalformedTimestamps(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { LogTimestamp.parseLocal($0, from: 0, to: $0.count) } == nil)
    }
}
