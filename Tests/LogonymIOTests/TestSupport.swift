import CZlib
import Foundation
import LogonymCore
import LogonymIO

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// A fresh temporary directory, removed by the caller with `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "logonym-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A source over bytes in memory that hands out at most `step` bytes per read.
final class ChoppedSource: ByteSource {
    let bytes: [UInt8]
    let step: Int
    var position = 0
    var size: Int? { bytes.count }
    var isGzip: Bool { false }

    init(_ bytes: [UInt8], step: Int) {
        self.bytes = bytes
        self.step = step
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        let n = min(step, buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)]))
        }
        position += n
        return n
    }
}

/// A sink that keeps what it is given.
final class MemorySink: OutputSink {
    var bytes: [UInt8] = []
    var bytesWritten: Int { bytes.count }
    func write(_ block: [UInt8]) throws(LogonymIOError) { bytes += block }
    func finish() throws(LogonymIOError) {}
    func abandon() {}
}

/// Runs a whole source through a pump into memory.
func pumpAll(
    _ source: any ByteSource,
    format: InputFormat = .text(.combined),
    maxLineBytes: Int = 64 * 1024,
    chunkSize: Int = 1 << 20,
    policy: UnparsablePolicy = .scrub
) throws -> (bytes: [UInt8], counters: RunCounters, outcome: LinePump.Outcome) {
    let pump = LinePump(maxLineBytes: maxLineBytes, chunkSize: chunkSize, flushBytes: 4096)
    let sink = MemorySink()
    let anonymizer = Anonymizer(method: .truncate)
    let (processor, outcome) = try pump.pump(source, to: sink) { _ in
        LineProcessor(format: format, anonymizer: anonymizer, unparsablePolicy: policy)
    }
    try pump.flush(to: sink)
    return (sink.bytes, processor?.counters ?? RunCounters(), outcome)
}

/// Reads a whole file through ``InputOpener`` (so gzip is inflated).
func readAll(_ path: String) throws -> (bytes: [UInt8], error: LogonymIOError?) {
    let source = try InputOpener.open(path)
    var out: [UInt8] = []
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
    defer { buffer.deallocate() }
    do {
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { break }
            out += buffer.prefix(n)
        }
    } catch {
        return (out, error)
    }
    return (out, nil)
}

/// `data` (gzip members one after another) inflated by zlib, independently of the product's reader: the reference
/// that libdeflate's members and ISA-L's reading are checked against. `nil` when zlib finds damage.
func zlibInflate(_ data: [UInt8]) -> [UInt8]? {
    var out: [UInt8] = []
    var stream = z_stream()
    guard logonym_inflate_init(&stream, 15 + 16) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    return data.withUnsafeBufferPointer { input -> [UInt8]? in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        while stream.avail_in > 0 {
            let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            out += chunk[0..<(chunk.count - Int(stream.avail_out))]
            switch status {
            case Z_STREAM_END: inflateReset(&stream)
            case Z_OK: continue
            default: return nil
            }
        }
        return out
    }
}
