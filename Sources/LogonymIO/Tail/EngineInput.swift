import Foundation
import LogonymCore

/// One input as the engine drives it: files, syslog datagrams or a stream.
protocol EngineInput: AnyObject {
    var name: String { get }
    /// Its processors and segments: one set, or one per tenant it serves.
    var routes: InputRoutes { get }
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

extension EngineInput {
    var watermark: Int64 { routes.watermark }
    var lineCounters: RunCounters { routes.counters }
}

extension InputTracker: EngineInput {
    var name: String { settings.name }
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
