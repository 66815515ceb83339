import Foundation
import Testing

@testable import LogonymIO

/// `logonym export --format tar`'s headers, read back by GNU tar: names of every length an input allows (a pax
/// header past what ustar holds) and entries of every size around a block.
struct SegmentExportTarTests {
    @Test func gnuTarExtractsEveryNameAndSizeAsWritten() throws {
        let tar = try #require(
            ["/usr/bin/tar", "/bin/tar"].first { FileManager.default.isExecutableFile(atPath: $0) }
        )
        let directory = NSTemporaryDirectory() + "logonym-tar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/x", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let segment = "2026-10-09T20.log.gz"
        // Short; split into prefix and name; an input of 160 and of 250 bytes (no slash split fits: pax).
        let inputs =
            ["web", String(repeating: "i", count: 90), String(repeating: "j", count: 160)]
            + [String(repeating: "é", count: 125)]
        var archive: [UInt8] = []
        var expected: [(String, [UInt8])] = []
        for (index, input) in inputs.enumerated() {
            for size in [0, 1, 511, 512, 513, 1024 + index] {
                let name = "acme/\(input)/\(size).\(segment)"
                let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
                archive += try SegmentExport.tarHeader(name: name, size: Int64(size), modified: 1_760_043_600)
                archive += data + [UInt8](repeating: 0, count: (512 - size % 512) % 512)
                expected.append((name, data))
            }
        }
        archive += [UInt8](repeating: 0, count: 1024)
        #expect(archive.count % 512 == 0)
        try Data(archive).write(to: URL(fileURLWithPath: directory + "/a.tar"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tar)
        process.arguments = ["-x", "-f", directory + "/a.tar", "-C", directory + "/x"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.isEmpty, "\(stderr)")
        for (name, data) in expected {
            let read = FileManager.default.contents(atPath: directory + "/x/" + name)
            #expect(read.map(Array.init) == data, "\(name)")
        }
    }
}
