public import Logging
public import LogonymCore

/// Builds the line processors of a run, one per input: under one anonymizer or per-window keys, with the scrub stage
/// and the geo tagger configured. The batch (`anonymize`) and the daemon's inputs both make theirs here.
public final class ProcessorFactory {
    /// How a processor's lines are anonymized.
    public enum Keys {
        /// One anonymizer for the whole run (`anonymize` without `--window`).
        case one(Anonymizer)
        /// The key of each line's window; distinct clients are counted per window.
        case windows(any WindowAnonymizers)
    }

    let keys: Keys
    let outputFormat: OutputFormat
    let unparsablePolicy: UnparsablePolicy
    let scrub: ScrubSettings?
    /// The geo tagger a new processor gets: one of its own, or one the run shares; `nil` without geo.
    let geo: () -> GeoTagger?
    /// Objections in force, given to every processor made from now on (`nil`: none).
    public var objections: ObjectionFilter?

    /// - Parameters:
    ///   - scrub: the scrub stage's settings (`nil`: off).
    ///   - geo: called once per processor made, for its geo tagger.
    public init(
        keys: Keys,
        outputFormat: OutputFormat,
        unparsablePolicy: UnparsablePolicy,
        scrub: ScrubSettings?,
        geo: @escaping () -> GeoTagger?
    ) {
        self.keys = keys
        self.outputFormat = outputFormat
        self.unparsablePolicy = unparsablePolicy
        self.scrub = scrub
        self.geo = geo
    }

    /// The daemon's: the engine's window keys and output settings, and its geo databases opened now (a bad one
    /// fails here, at start, naming the file), each processor with a tagger of its own.
    public convenience init(
        engine: EngineSettings,
        windows: any WindowAnonymizers,
        logger: Logger
    ) throws(LogonymIOError) {
        var geo: () -> GeoTagger? = { nil }
        if let settings = engine.geo {
            if let opened = try GeoDatabases.open(settings) {
                logger.notice("geo: \(opened.description), level \(settings.level.rawValue)")
                geo = {
                    GeoTagger(level: settings.level, appendsField: settings.appendField, databases: opened.databases)
                }
            } else {
                logger.notice("geo: no database found in the usual places; geo is off")
            }
        }
        self.init(
            keys: .windows(windows),
            outputFormat: engine.outputFormat,
            unparsablePolicy: engine.unparsablePolicy,
            scrub: engine.scrub,
            geo: geo
        )
    }

    /// A processor for lines of `format`.
    public func make(_ format: InputFormat) -> LineProcessor {
        build(format, keys: keys, geo: geo())
    }

    /// A processor writing what `processor` writes for any line, for another thread processing lines of the same
    /// input: the same format, key and settings, caches of its own, and a replica of its geo tagger. `nil` where a
    /// line depends on the lines before it (``LineProcessor/dependsOnEarlierLines``).
    public func replica(of processor: LineProcessor) -> LineProcessor? {
        guard case .one(let anonymizer) = keys, !processor.dependsOnEarlierLines else { return nil }
        return build(processor.format, keys: .one(anonymizer.replica()), geo: processor.geo?.replica())
    }

    private func build(_ format: InputFormat, keys: Keys, geo: GeoTagger?) -> LineProcessor {
        let processor =
            switch keys {
            case .one(let anonymizer):
                LineProcessor(
                    format: format,
                    anonymizer: anonymizer,
                    outputFormat: outputFormat,
                    unparsablePolicy: unparsablePolicy
                )
            case .windows(let windows):
                LineProcessor(
                    format: format,
                    windows: windows,
                    outputFormat: outputFormat,
                    unparsablePolicy: unparsablePolicy,
                    countsClients: true
                )
            }
        processor.setScrubber(scrub.map { Scrubber(settings: $0) })
        processor.geo = geo
        processor.objections = objections
        return processor
    }

    /// A daemon input's processor: its configured format, or the one detected from a sample of its first lines
    /// (and says which).
    func make(for input: InputSettings, sample: [UInt8], json: JSONLineFormat, logger: Logger) -> LineProcessor {
        let format: InputFormat
        if let fixed = input.format.fixed {
            format = fixed
        } else {
            let detected = sample.withUnsafeBufferPointer { input.format.detect($0, json: json) }
            format = detected.format
            logger.notice(
                "format \(format.name) (detected: \(detected.matched) of the first \(detected.sampled) lines match)",
                metadata: ["input": "\(input.name)"]
            )
        }
        return make(format)
    }
}

@available(*, unavailable)
extension ProcessorFactory: Sendable {}

@available(*, unavailable)
extension ProcessorFactory.Keys: Sendable {}
