import Foundation
import LogonymCore
import LogonymTestSupport
import Testing

@testable import LogonymIO

struct SegmentSetTests {
    /// A backlog crosses many windows between two commits: the lines of the segments it closed are still waiting
    /// to be written (their compressed members held in memory), so they count toward the commit that bounds them.
    @Test(arguments: [true, false])
    func closedSegmentsStillCountAsPendingUntilTheCommit(compress: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let segments = SegmentSet(input: "web", outputDirectory: directory.path, window: .hour, compress: compress)
        try segments.recover(committed: [])
        let line = Array("198.51.100.0 - - [x] \"GET / HTTP/1.1\" 200 1\n".utf8)
        var expected = 0
        for hour in Int64(0)..<5 {
            for _ in 0..<100 { segments.append(line[...], windowStart: hour * 3600) }
            expected += 100 * line.count
            segments.closeWindows(before: (hour + 1) * 3600, grace: 0)
            #expect(segments.open.isEmpty)
            #expect(segments.pendingBytes == expected)
        }
        let records = try segments.flush()
        #expect(records.count == 5 && records.allSatisfy { !$0.open })
        #expect(segments.pendingBytes == 0)
        #expect(records.reduce(0) { $0 + $1.lines } == 500)
    }
}
