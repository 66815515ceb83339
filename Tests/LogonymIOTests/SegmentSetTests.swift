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
            expected += 100 * line.count + SegmentSet.windowBytes
            segments.closeWindows(before: (hour + 1) * 3600, grace: 0)
            #expect(segments.open.isEmpty)
            #expect(segments.pendingBytes == expected)
        }
        let records = try segments.flush()
        #expect(records.count == 5 && records.allSatisfy { !$0.open })
        #expect(segments.pendingBytes == 0)
        #expect(records.reduce(0) { $0 + $1.lines } == 500)
    }

    /// The output directory spelled another way than when the segments were recorded (relative, a trailing or
    /// doubled slash): recovery removes no committed segment, only segment files the database does not know.
    @Test func recoveryKnowsCommittedSegmentsByNameNotBySpelling() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let output = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: output + "/web", withIntermediateDirectories: true)
        for name in ["2030-01-01T00.log.gz", "2030-01-01T01.log.gz", "stray.log.gz", "notes.txt"] {
            _ = FileManager.default.createFile(atPath: output + "/web/" + name, contents: Data("x".utf8))
        }
        let recorded = ["2030-01-01T00.log.gz", "2030-01-01T01.log.gz"].enumerated().map { k, name in
            StateStore.SegmentRecord(
                path: directory.path + "//out/./web/" + name,
                input: "web",
                windowStart: Int64(k) * 3600,
                part: 0,
                length: 1,
                lines: 1,
                open: false
            )
        }
        let segments = SegmentSet(input: "web", outputDirectory: output + "/", window: .hour, compress: true)
        try segments.recover(committed: recorded)
        let left = try FileManager.default.contentsOfDirectory(atPath: output + "/web").sorted()
        #expect(left == ["2030-01-01T00.log.gz", "2030-01-01T01.log.gz", "notes.txt"])
    }
}
