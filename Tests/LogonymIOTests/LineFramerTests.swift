import LogonymTestSupport
import Testing

@testable import LogonymIO

/// The one line framer's contract, for both of its policies, whatever the sizes the bytes arrive in: seeded streams
/// of short, long and overlong lines (some with CR LF, runs of address characters, an unterminated last line) fed
/// in reads of many sizes, the way every reader drives it (hold the unfinished rest, frame again with the next
/// read, finish at the end).
struct LineFramerTests {
    static let maxLineBytes = 64

    /// A seeded stream and the lines it holds (without newlines).
    static func stream(seed index: Int) -> (bytes: [UInt8], lines: [[UInt8]]) {
        var random = SplitMix64(seed: 0x6672_616D_6572, stream: 1, index: index)
        var lines: [[UInt8]] = []
        for _ in 0..<random.int(1...40) {
            let length = random.pick([0, 1, random.int(2...maxLineBytes), random.int(maxLineBytes...maxLineBytes * 6)])
            var line = (0..<length).map { _ in random.pick(Array("abc 0123456789.:%/?=&\"".utf8)) }
            if random.chance(20), !line.isEmpty { line[line.count - 1] = 0x0D }
            lines.append(line)
        }
        var bytes: [UInt8] = lines.flatMap { $0 + [UInt8(0x0A)] }
        if random.chance(50), let last = lines.last, !last.isEmpty { bytes.removeLast() }
        return (bytes, lines)
    }

    /// What a framer hands out, reassembled: each line (pieces joined), `nil` for a dropped one; and the most bytes
    /// the reader had to hold between reads.
    static func frame(_ bytes: [UInt8], readSize: Int, framer: LineFramer) -> (lines: [[UInt8]?], held: Int) {
        var framer = framer
        var lines: [[UInt8]?] = []
        var pieces: [UInt8] = []
        var held: [UInt8] = []
        var mostHeld = 0
        func take(_ b: UnsafeBufferPointer<UInt8>, _ event: LineFramer.Event) {
            switch event {
            case .line(let start, let end): lines.append(Array(b[start..<end]))
            case .piece(let start, let end, let begins, let ends):
                if begins { pieces = [] }
                pieces += b[start..<end]
                if ends { lines.append(pieces) }
            case .dropped: lines.append(nil)
            }
        }
        var offset = 0
        while offset < bytes.count {
            let data = held + bytes[offset..<min(bytes.count, offset + readSize)]
            offset += readSize
            data.withUnsafeBufferPointer { all in
                let rest = framer.frame(all, filled: all.count) { take(all, $0) }
                held = framer.discarding ? [] : Array(all[rest...])
            }
            mostHeld = max(mostHeld, held.count)
        }
        held.withUnsafeBufferPointer { all in framer.finish(all, from: 0, to: all.count) { take(all, $0) } }
        return (lines, mostHeld)
    }

    static let readSizes = [1, 2, 3, 7, 31, 64, 65, 200, 1000, 1 << 20]

    @Test(arguments: readSizes)
    func piecesHandEveryLineOutWholeInBoundedMemory(readSize: Int) {
        for index in 0..<200 {
            let (bytes, lines) = Self.stream(seed: index)
            let framer = LineFramer(maxLineBytes: Self.maxLineBytes, overlong: .pieces)
            let got = Self.frame(bytes, readSize: readSize, framer: framer)
            #expect(got.lines == lines.map { Optional($0) }, "stream \(index), reads of \(readSize)")
            // At most a line's worth is waited for, whatever the line's length.
            #expect(got.held <= Self.maxLineBytes, "stream \(index), reads of \(readSize)")
        }
    }

    @Test(arguments: readSizes)
    func holdingDropsWhatIsTooLongAndNeverAFragment(readSize: Int) {
        let limit = Self.maxLineBytes * 4
        for index in 0..<200 {
            let (bytes, lines) = Self.stream(seed: index)
            let framer = LineFramer(maxLineBytes: Self.maxLineBytes, holdLimit: limit)
            let got = Self.frame(bytes, readSize: readSize, framer: framer)
            // Every line once: whole when it fits the hold limit, counted as dropped otherwise.
            #expect(got.lines == lines.map { $0.count > limit ? nil : $0 }, "stream \(index), reads of \(readSize)")
            #expect(got.held <= limit + readSize, "stream \(index), reads of \(readSize)")
        }
    }
}
