import Logging
import LogonymCore

/// One input as the engine drives it: files, syslog datagrams or a stream.
protocol EngineInput: AnyObject {
    var name: String { get }
    var segments: SegmentSet { get }
    var watermark: Int64 { get }
    var lineCounters: RunCounters { get }
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
}

/// Builds an input's processor: its configured format, or the one detected from a sample of its first lines (and
/// says which).
func makeProcessor(
    for settings: InputSettings,
    engine: EngineSettings,
    windows: any WindowAnonymizers,
    sample: [UInt8],
    logger: Logger
) -> LineProcessor {
    let format: InputFormat
    if let fixed = settings.format {
        format = fixed
    } else {
        let detected = sample.withUnsafeBufferPointer {
            FormatDetector.detect($0, from: 0, to: $0.count, json: engine.json)
        }
        format = detected.format
        logger.notice(
            "format \(format.name) (detected: \(detected.matched) of the first \(detected.sampled) lines match)",
            metadata: ["input": "\(settings.name)"]
        )
    }
    return LineProcessor(
        format: format,
        windows: windows,
        outputFormat: engine.outputFormat,
        unparsablePolicy: engine.unparsablePolicy
    )
}
