import Foundation
import LogonymCore
import LogonymIO

/// Runs `anonymize`: every input in order into one output, then the summary.
struct BatchRunner {
    let settings: AnonymizeSettings

    /// - Returns: the exit code: 0, or 1 when some input failed.
    /// - Throws: ``CommandFailure`` when the output cannot be created (2) or written (3).
    func run() throws -> Int32 {
        let clock = ContinuousClock()
        let started = clock.now
        FileOutput.removeTemporaryFileOnSignals()
        let file: FileOutput
        do {
            file = try settings.output.map { path throws(LogonymIOError) in try FileOutput(path: path) } ?? FileOutput()
        } catch {
            throw CommandFailure.usage(error.description)
        }
        let sink: any OutputSink =
            settings.output?.hasSuffix(".gz") == true
            ? ParallelGzipSink(file: file, level: settings.compressionLevel, threads: settings.threads)
            : PlainSink(file: file)
        let anonymizer = Anonymizer(method: settings.method, prefixes: settings.prefixes, key: settings.key)
        let pump = LinePump(maxLineBytes: settings.maxLineBytes)
        var report = RunReport(settings: settings)
        let progress = ProgressLine(
            enabled: settings.showProgress,
            totalBytes: Self.totalSize(settings.inputs),
            clock: clock
        )
        var finishedBytes = 0
        do {
            for path in settings.inputs {
                let source: any ByteSource
                do {
                    source = try InputOpener.open(path)
                } catch {
                    progress.clear()
                    Diagnostics.error(error.description)
                    report.inputs.append(.init(path: path, format: nil, error: error.message))
                    continue
                }
                var detected: String?
                var current: LineProcessor?
                let (processor, outcome) = try pump.pump(
                    source,
                    to: sink,
                    wantsSample: settings.format == nil,
                    makeProcessor: { first in
                        let format = chooseFormat(path: path, first: first, progress: progress)
                        detected = format.name
                        let processor = LineProcessor(
                            format: format,
                            anonymizer: anonymizer,
                            outputFormat: settings.outputFormat,
                            unparsablePolicy: settings.unparsablePolicy
                        )
                        current = processor
                        return processor
                    },
                    progress: { _ in
                        progress.update(bytes: finishedBytes + source.position) {
                            report.totals.linesRead + (current?.counters.linesRead ?? 0)
                        }
                    }
                )
                finishedBytes += source.position
                if let processor { report.totals.add(processor.counters) }
                report.totals.bytesIn += outcome.bytesIn
                if let error = outcome.error {
                    progress.clear()
                    Diagnostics.error(error.description)
                }
                report.inputs.append(.init(path: path, format: detected, error: outcome.error?.message))
            }
            try pump.flush(to: sink)
            try sink.finish()
        } catch {
            progress.clear()
            sink.abandon()
            throw CommandFailure(message: "\(error.description) (the output was not written)", exitCode: 3)
        }
        progress.clear()
        report.totals.bytesOut = sink.bytesWritten
        report.seconds = Self.seconds(clock.now - started)
        switch settings.summary {
        case .text: Diagnostics.raw(report.text())
        case .json: Diagnostics.raw(report.json() + "\n")
        case .none: break
        }
        return report.failedInputs > 0 ? 1 : 0
    }

    /// The format for an input: the one given, or one detected from its first lines (and said so).
    private func chooseFormat(path: String, first: UnsafeBufferPointer<UInt8>, progress: ProgressLine) -> InputFormat {
        if let format = settings.format { return format }
        let result = FormatDetector.detect(first, from: 0, to: first.count, json: settings.json)
        if settings.summary == .text {
            progress.clear()
            if result.matched == 0 && result.sampled > 0 {
                Diagnostics.error(
                    "\(path): no known format matches its first \(result.sampled) lines; every line goes through the fallback scanner (set --format or --log-format)"
                )
            } else {
                Diagnostics.error(
                    "\(path): format \(result.format.name) (detected: \(result.matched) of the first \(result.sampled) lines match)"
                )
            }
        }
        return result.format
    }

    static func totalSize(_ paths: [String]) -> Int? {
        var total = 0
        for path in paths {
            guard path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = attributes[.size] as? NSNumber
            else { return nil }
            total += size.intValue
        }
        return total
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
