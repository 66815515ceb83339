import Foundation
import LogonymCore
import LogonymIO
import Testing

/// `verify`'s reading: lines numbered in bounded memory whatever the read size, and log files found under a folder.
struct VerifyInputTests {
    /// Lines as the reader hands them over: the pieces of each line joined, with the line's number.
    private func lines(_ bytes: [UInt8], step: Int, maxLineBytes: Int, chunkSize: Int) -> [(Int, [UInt8])] {
        let reader = LineReader(maxLineBytes: maxLineBytes, chunkSize: chunkSize)
        var lines: [(Int, [UInt8])] = []
        var current: [UInt8] = []
        let outcome = reader.read(
            ChoppedSource(bytes, step: step),
            cut: { FallbackScanner.safeCut($0, from: 0, to: $0.count) },
            { piece, line, lineEnds in
                #expect(piece.count <= maxLineBytes + chunkSize)
                current += piece
                if lineEnds {
                    lines.append((line, current))
                    current = []
                }
            }
        )
        #expect(outcome.lines == lines.count)
        #expect(outcome.error == nil)
        return lines
    }

    @Test(arguments: [1, 3, 17, 100, 4096])
    func everyReadSizeGivesTheSameNumberedLines(_ step: Int) {
        let long = String(repeating: "a ", count: 300) + "81%2E2%2E69%2E7" + String(repeating: " b", count: 300)
        let text = Array("one\r\n\n\(long)\nfour\nfive without newline".utf8)
        let read = lines(text, step: step, maxLineBytes: 64, chunkSize: 50)
        #expect(read.map(\.0) == [1, 2, 3, 4, 5])
        #expect(
            read.map { String(decoding: $0.1, as: UTF8.self) } == ["one\r", "", long, "four", "five without newline"]
        )
    }

    @Test func aLongLineIsNeverCutInsideAnEncodedAddress() {
        let long = String(repeating: "x ", count: 100) + "?ip=81%2E2%2E69%2E7 " + String(repeating: "y ", count: 100)
        let reader = LineReader(maxLineBytes: 32, chunkSize: 16)
        let verifier = OutputVerifier(rule: .truncate(.ga))
        var found = 0
        _ = reader.read(
            ChoppedSource(Array((long + "\n").utf8), step: 7),
            cut: { FallbackScanner.safeCut($0, from: 0, to: $0.count) },
            { piece, _, _ in found += verifier.findings(in: piece, from: 0, to: piece.count) }
        )
        #expect(found == 1)
    }

    @Test func anEmptyInputHasNoLines() {
        #expect(lines([], step: 10, maxLineBytes: 64, chunkSize: 64).isEmpty)
        #expect(lines([0x0A], step: 10, maxLineBytes: 64, chunkSize: 64).map(\.0) == [1])
    }

    @Test func logFilesAreFoundAtAnyDepthAndSorted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory.file("b/c"), withIntermediateDirectories: true)
        for name in ["b/c/2026-11-27T10.log.gz", "b/2026-11-27T09.log", "a.log", "notes.txt", "b/.log", "x.log.1"] {
            _ = try directory.write(name, [])
        }
        try fileManager.createSymbolicLink(atPath: directory.file("loop"), withDestinationPath: directory.path)
        try fileManager.createSymbolicLink(
            atPath: directory.file("link.log"),
            withDestinationPath: directory.file("a.log")
        )
        let (files, errors) = LogFileFinder.find(under: directory.path)
        #expect(errors.isEmpty)
        let expected = ["a.log", "b/2026-11-27T09.log", "b/c/2026-11-27T10.log.gz", "link.log"]
        #expect(files == expected.map { directory.file($0) })
        let missing = LogFileFinder.find(under: directory.file("missing"))
        #expect(missing.files.isEmpty && missing.errors.first?.code == .notFound)
    }
}
