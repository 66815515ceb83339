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
        let geo = try openGeo()
        let output = try makeOutput(geo: geo)
        let sink = output.sink
        let pump = LinePump(maxLineBytes: settings.maxLineBytes)
        // Lines are shared out to no more threads than there are CPUs: each has caches of its own (a few MiB),
        // and more would only take turns.
        let lanes = min(settings.threads, ProcessInfo.processInfo.activeProcessorCount)
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
                var plan: BatchLedger.Plan?
                do {
                    if let ledger = output.ledger, path != "-" {
                        let planned = try ledger.open(path)
                        plan = planned
                        announce(planned, path: path, progress: progress)
                        guard let positioned = planned.source else {
                            finishedBytes += Self.totalSize([path]) ?? 0
                            report.inputs.append(.init(path: path, format: nil, error: nil, plan: planned))
                            continue
                        }
                        source = positioned
                    } else {
                        source = try InputOpener.open(path, readAhead: true)
                    }
                } catch {
                    progress.clear()
                    Diagnostics.error(error.description)
                    report.inputs.append(.init(path: path, format: nil, error: error.message))
                    continue
                }
                var detected: String?
                let (processor, outcome) = try pump.pump(
                    source,
                    to: sink,
                    wantsSample: settings.format.fixed == nil && plan?.headSample == nil,
                    firstFill: plan?.firstFill,
                    threads: lanes,
                    makeProcessor: { first in
                        // A resumed file's format is detected from its start, as in a run that read all of it.
                        let format =
                            plan?.headSample.map { head in
                                head.withUnsafeBufferPointer { chooseFormat(path: path, first: $0, progress: progress) }
                            } ?? chooseFormat(path: path, first: first, progress: progress)
                        detected = format.name
                        let processor = output.processors.make(format)
                        if let window = plan?.lastWindow { processor.continueAfterLine(inWindow: window) }
                        return processor
                    },
                    replicate: output.processors.replica(of:),
                    progress: { _, lines in
                        progress.update(bytes: finishedBytes + source.position) { report.totals.linesRead + lines() }
                    }
                )
                finishedBytes += source.position
                output.ledger?.finish(
                    bytesRead: outcome.linesEnd ?? outcome.bytesIn,
                    lastBytes: outcome.lastBytes,
                    window: processor?.lastWindowStart,
                    failed: outcome.error != nil
                )
                if var counted = processor?.counters {
                    counted.bytesIn = 0  // the input's decoded bytes are counted below, newline or not
                    report.totals.add(counted)
                }
                report.totals.bytesIn += outcome.bytesIn
                if let error = outcome.error {
                    progress.clear()
                    Diagnostics.error(error.description)
                }
                report.inputs.append(.init(path: path, format: detected, error: outcome.error?.message, plan: plan))
            }
            try pump.flush(to: sink)
            if let failure = output.windows?.failure {
                throw LogonymIOError(code: .writeFailed, path: "-", message: "window key: \(failure)")
            }
            try sink.finish()
        } catch {
            progress.clear()
            sink.abandon()
            throw CommandFailure(message: "\(error) (the output was not written)", exitCode: 3)
        }
        progress.clear()
        report.totals.bytesOut = sink.bytesWritten
        report.geo = geo.map { ($0, settings.geo!) }
        report.seconds = Self.seconds(clock.now - started)
        if let path = settings.metricsTextfile { try writeMetrics(report, to: path) }
        switch settings.summary {
        case .text: Diagnostics.raw(report.text())
        case .json: Diagnostics.raw(report.json() + "\n")
        case .none: break
        }
        return report.failedInputs > 0 ? 1 : 0
    }

    /// Where lines go and how processors are made: one output file under one anonymizer, or (`--window`) window
    /// segments under per-window keys.
    struct Output {
        var sink: any OutputSink
        var windows: KeyRing?
        var processors: ProcessorFactory
        /// Held for the run: the state directory with the source's lock (`--window`).
        var state: StateDirectory?
        /// What earlier runs read of the inputs, and what this one reads (`--window`).
        var ledger: BatchLedger?
    }

    /// - Parameter geo: the run's geo tagger, shared by every input's processor (one count for the summary).
    private func makeOutput(geo: GeoTagger?) throws -> Output {
        let outputFormat = settings.outputFormat
        let policy = settings.unparsablePolicy
        func processors(_ keys: ProcessorFactory.Keys) -> ProcessorFactory {
            ProcessorFactory(
                keys: keys,
                outputFormat: outputFormat,
                unparsablePolicy: policy,
                scrub: settings.scrub,
                geo: { geo }
            )
        }
        guard let windowed = settings.windowed else {
            let file: FileOutput
            do {
                file =
                    try settings.output.map { path throws(LogonymIOError) in try FileOutput(path: path) }
                    ?? FileOutput()
            } catch {
                throw CommandFailure.usage(error.description)
            }
            let sink: any OutputSink =
                settings.output?.hasSuffix(".gz") == true
                ? ParallelGzipSink(file: file, level: settings.compressionLevel, threads: settings.threads)
                : PlainSink(file: file)
            let anonymizer = Anonymizer(method: settings.method, prefixes: settings.prefixes, key: settings.key)
            return Output(sink: sink, windows: nil, processors: processors(.one(anonymizer)))
        }
        var engine = EngineSettings(
            stateDirectory: windowed.stateDirectory,
            outputDirectory: windowed.outputDirectory,
            window: windowed.window,
            compress: true,
            compressionLevel: settings.compressionLevel,
            method: settings.method,
            prefixes: settings.prefixes,
            keyMode: windowed.keyMode,
            outputFormat: outputFormat,
            unparsablePolicy: policy,
            maxLineBytes: settings.maxLineBytes,
            json: settings.json,
            inputs: [InputSettings(name: windowed.source, paths: [], format: settings.format)]
        )
        engine.retention = .keepAll
        engine.encryptRecipients = windowed.encryptRecipients
        // A tenant's run: its keys (STATE/keys/TENANT) and its folder (OUT/TENANT/SOURCE).
        engine.tenant = windowed.tenant
        let source = engine.source(input: windowed.source)
        do {
            let state = try StateDirectory(settings: engine, role: .batch)
            let ring = state.maintenance.ring
            let ledger = try BatchLedger(store: state.store, source: source, force: settings.force)
            let sink = try WindowedOutput(
                source: source,
                settings: engine,
                store: state.store,
                ledger: ledger,
                maintenance: state.maintenance
            )
            // The state's objections hold for the lines of this run too.
            let factory = processors(.windows(ring))
            factory.objections = try Objections(
                store: state.store,
                stateDirectory: windowed.stateDirectory,
                tenant: windowed.tenant
            ).filter()
            return Output(
                sink: sink,
                windows: ring,
                processors: factory,
                state: state,
                ledger: ledger
            )
        } catch {
            throw CommandFailure.usage("\(error)")
        }
    }

    /// The geo tagger of `--geo`: databases opened (and checked) now, so a bad one stops the run before anything
    /// is written; `auto` finding nothing turns geo off with one notice.
    private func openGeo() throws -> GeoTagger? {
        guard let geo = settings.geo else { return nil }
        let opened: GeoDatabases.Opened?
        do {
            opened = try GeoDatabases.open(geo)
        } catch {
            throw CommandFailure.usage(error.description)
        }
        guard let opened else {
            Diagnostics.error(
                "geo: no database found (--geo auto looked in /usr/share/GeoIP, /var/lib/GeoIP and /usr/share/tor); geo is off"
            )
            return nil
        }
        if settings.summary == .text { Diagnostics.error("geo: \(opened.description), level \(geo.level.rawValue)") }
        return GeoTagger(level: geo.level, appendsField: geo.appendField, databases: opened.databases)
    }

    /// The run's counters in the Prometheus text format, written under a temporary name and renamed (so
    /// node_exporter never reads half a file).
    private func writeMetrics(_ report: RunReport, to path: String) throws {
        let metrics = LogonymMetrics(method: settings.method)
        let keys =
            settings.windowed.map { KeyStore.liveKeys(stateDirectory: $0.stateDirectory, tenant: $0.tenant) }?.count
            ?? 0
        metrics.update(
            inputs: [
                .init(name: settings.windowed?.source ?? "batch", counters: report.totals, lagBytes: 0, lagSeconds: 0)
            ],
            checkpointAgeSeconds: 0,
            keysAlive: keys
        )
        do {
            let file = try FileOutput(path: path)
            try file.writeAll(metrics.render())
            try file.finish()
        } catch {
            throw CommandFailure(message: "\(error.description) (the metrics file)", exitCode: 3)
        }
    }

    /// Says (with the text summary) that an input is skipped or read from where an earlier run stopped.
    private func announce(_ plan: BatchLedger.Plan, path: String, progress: ProgressLine) {
        guard settings.summary == .text, plan.disposition != .read else { return }
        progress.clear()
        let other = plan.readAs.map { $0 == path ? "" : " (as \($0))" } ?? ""
        switch plan.disposition {
        case .read: return
        case .skipped:
            Diagnostics.error("\(path): skipped: an earlier run read it to its end\(other)")
        case .duplicate:
            Diagnostics.error("\(path): skipped: the same content was read earlier in this run\(other)")
        case .resumed:
            Diagnostics.error("\(path): resumed at decoded byte \(plan.startOffset), where an earlier run stopped")
        case .continued:
            Diagnostics.error(
                "\(path): continued at decoded byte \(plan.startOffset): it grew since an earlier run read it to its end"
            )
        }
    }

    /// The format for an input: the one given, or one detected from its first lines (and said so).
    private func chooseFormat(path: String, first: UnsafeBufferPointer<UInt8>, progress: ProgressLine) -> InputFormat {
        if let format = settings.format.fixed { return format }
        let result = settings.format.detect(first, json: settings.json)
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
