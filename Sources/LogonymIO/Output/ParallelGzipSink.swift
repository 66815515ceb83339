import Dispatch
import Foundation

/// Gzip output compressed on several threads: every block becomes one gzip member; members are written in
/// order. At most `2 × threads` blocks are in flight, which bounds memory.
public final class ParallelGzipSink: OutputSink, @unchecked Sendable {
    let file: FileOutput
    let level: Int32
    private let slots: DispatchSemaphore
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var nextToSubmit = 0
    private var nextToWrite = 0
    private var done: [Int: [UInt8]] = [:]
    private var failure: LogonymIOError?

    /// - Parameters:
    ///   - file: where the members go.
    ///   - level: zlib compression level.
    ///   - threads: compression threads.
    public init(file: FileOutput, level: Int32, threads: Int) {
        self.file = file
        self.level = level
        // More blocks in flight than the compression threads can take would only wait, in memory.
        let compressing = max(1, min(threads, ProcessInfo.processInfo.activeProcessorCount))
        self.slots = DispatchSemaphore(value: compressing * 2)
    }

    public var bytesWritten: Int {
        lock.lock()
        defer { lock.unlock() }
        return file.bytesWritten
    }

    public func write(_ block: [UInt8]) throws(LogonymIOError) {
        if let failure = currentFailure() { throw failure }
        slots.wait()
        let sequence = nextToSubmit
        nextToSubmit += 1
        group.enter()
        CompressionThreads.shared.run { [self] in
            let member = GzipMember.compress(block, level: level)
            lock.lock()
            done[sequence] = member
            while let ready = done.removeValue(forKey: nextToWrite) {
                if failure == nil {
                    do throws(LogonymIOError) {
                        try file.writeAll(ready)
                    } catch {
                        failure = error
                    }
                }
                nextToWrite += 1
            }
            lock.unlock()
            slots.signal()
            group.leave()
        }
    }

    public func finish() throws(LogonymIOError) {
        // No line at all is still a gzip file: one empty member (`gzip -t` refuses an empty file).
        if nextToSubmit == 0 { try write([]) }
        group.wait()
        if let failure = currentFailure() {
            file.abandon()
            throw failure
        }
        try file.finish()
    }

    public func abandon() {
        group.wait()
        file.abandon()
    }

    private func currentFailure() -> LogonymIOError? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }
}
