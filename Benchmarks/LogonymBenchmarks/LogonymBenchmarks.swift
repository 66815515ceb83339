import Benchmark
import Foundation
import LogonymCore
import LogonymIO

/// The anonymize pipeline (frame → parse → anonymize → render) over the 3,000-line generated combined log, plain
/// from memory and gzip from disk, for each method. CI gates on `mallocCountTotal` only (see `.ci/run`); the
/// README's throughput table comes from `Benchmarks/compare.sh` on a 1,000,000-line log.
let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] =
        ProcessInfo.processInfo.environment["LOGONYM_BENCHMARK_ALL_METRICS"] != nil
        ? [.mallocCountTotal, .wallClock, .throughput, .peakMemoryResident]
        : [.mallocCountTotal]
    let configuration = Benchmark.Configuration(
        metrics: metrics,
        maxDuration: .seconds(5),
        maxIterations: 20,
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 5.0])]
    )
    let gzipPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/generated-combined.log.gz").path
    let plain = inflate(gzipPath)
    let key = PseudonymKey(bytes: (0..<32).map { UInt8($0) })!

    for method in AnonymizationMethod.allCases {
        Benchmark("anonymize.plain.\(method.rawValue)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(run(MemorySource(plain), method: method, key: key))
            }
        }
        Benchmark("anonymize.gzip.\(method.rawValue)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                let source = try InputOpener.open(gzipPath)
                blackHole(run(source, method: method, key: key))
            }
        }
    }
    // With the scrub stage, as `anonymize` runs by default.
    Benchmark("anonymize.plain.truncate.scrub", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(run(MemorySource(plain), method: .truncate, key: key, scrub: ScrubSettings()))
        }
    }
}

/// Runs one source through the pipeline into a sink that only counts.
func run(_ source: any ByteSource, method: AnonymizationMethod, key: PseudonymKey, scrub: ScrubSettings? = nil) -> Int {
    let anonymizer = Anonymizer(method: method, key: method.needsKey ? key : nil)
    let pump = LinePump()
    let sink = CountingSink()
    do {
        _ = try pump.pump(source, to: sink) { first in
            let format = FormatDetector.detect(first, from: 0, to: first.count, json: JSONLineFormat()).format
            let processor = LineProcessor(format: format, anonymizer: anonymizer)
            processor.setScrubber(scrub.map { Scrubber(settings: $0) })
            return processor
        }
        try pump.flush(to: sink)
    } catch {
        fatalError("benchmark input failed: \(error)")
    }
    return sink.bytesWritten
}

func inflate(_ path: String) -> [UInt8] {
    do {
        let source = try InputOpener.open(path)
        var out: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { return out }
            out += buffer.prefix(n)
        }
    } catch {
        fatalError("cannot read \(path): \(error)")
    }
}

final class MemorySource: ByteSource {
    let bytes: [UInt8]
    var position = 0
    var size: Int? { bytes.count }
    var isGzip: Bool { false }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        let n = min(buffer.count, bytes.count - position)
        bytes.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)]))
        }
        position += n
        return n
    }
}

final class CountingSink: OutputSink {
    var bytesWritten = 0
    func write(_ block: [UInt8]) throws(LogonymIOError) { bytesWritten += block.count }
    func finish() throws(LogonymIOError) {}
    func abandon() {}
}
