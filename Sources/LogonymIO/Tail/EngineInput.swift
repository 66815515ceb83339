import Foundation
import Logging
import LogonymCore

/// One input as the engine drives it: files, syslog datagrams or a stream.
protocol EngineInput: AnyObject {
    var name: String { get }
    var segments: SegmentSet { get }
    var watermark: Int64 { get }
    var lineCounters: RunCounters { get }
    /// The input's processor, once it has one.
    var lineProcessor: LineProcessor? { get }
    /// Whether everything available was read.
    var isIdle: Bool { get }
    /// Set when new files were added (committed at once).
    var addedFiles: Bool { get set }
    func recover() throws
    func scan()
    func read(budget: Int, scratch: UnsafeMutableRawBufferPointer) throws -> Int
    func takeCommit(into commit: inout StateStore.Commit)
    func committed(ids: [Int64?])
}

extension InputTracker: EngineInput {
    var name: String { settings.name }
    var lineProcessor: LineProcessor? { processor }
}

extension LineProcessor {
    /// Moves the counters and client sketches gathered since the last commit into `commit`; lines counted before
    /// any window was known go to the window of the last line (else the current one).
    func takeStats(input: String, into commit: inout StateStore.Commit, window: WindowLength) {
        let fallback = lastWindowStart ?? window.start(of: Int64(Date().timeIntervalSince1970))
        for (start, counters, clients) in takeWindowStats() {
            commit.stats.append((input, start ?? fallback, counters))
            if let clients { commit.sketches.append((input, start ?? fallback, clients)) }
        }
        for (start, counts) in geo?.takeCounts() ?? [] {
            commit.geo.append((input, start ?? fallback, counts))
        }
    }
}

/// Builds each input's processor: its configured format, or the one detected from a sample of its first lines
/// (and says which), with the engine's window keys and geo databases.
final class ProcessorFactory {
    let engine: EngineSettings
    let windows: any WindowAnonymizers
    let logger: Logger
    let geo: GeoDatabases.Opened?

    /// Opens the geo databases (a bad one fails here, at start, naming the file).
    init(
        engine: EngineSettings,
        windows: any WindowAnonymizers,
        logger: Logger
    ) throws(LogonymIOError) {
        self.engine = engine
        self.windows = windows
        self.logger = logger
        if let settings = engine.geo {
            geo = try GeoDatabases.open(settings)
            if let geo {
                logger.notice("geo: \(geo.description), level \(settings.level.rawValue)")
            } else {
                logger.notice("geo: no database found in the usual places; geo is off")
            }
        } else {
            geo = nil
        }
    }

    func make(for settings: InputSettings, sample: [UInt8]) -> LineProcessor {
        let format: InputFormat
        if let fixed = settings.format.fixed {
            format = fixed
        } else {
            let detected = sample.withUnsafeBufferPointer { settings.format.detect($0, json: engine.json) }
            format = detected.format
            logger.notice(
                "format \(format.name) (detected: \(detected.matched) of the first \(detected.sampled) lines match)",
                metadata: ["input": "\(settings.name)"]
            )
        }
        let processor = LineProcessor(
            format: format,
            windows: windows,
            outputFormat: engine.outputFormat,
            unparsablePolicy: engine.unparsablePolicy,
            countsClients: true
        )
        processor.setScrubber(engine.scrub.map { Scrubber(settings: $0) })
        if let geo, let geoSettings = engine.geo {
            processor.geo = GeoTagger(
                level: geoSettings.level,
                appendsField: geoSettings.appendField,
                databases: geo.databases
            )
        }
        return processor
    }
}

@available(*, unavailable)
extension ProcessorFactory: Sendable {}
