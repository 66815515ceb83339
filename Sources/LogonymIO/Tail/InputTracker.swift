import Foundation
import Glibc
import Logging
import LogonymCore

/// Follows the files of one input like `tail -F`, in order: a rotated file is read to its end before the file
/// after it, through renames, compression (`.gz`), copytruncate and restarts. Every complete line goes through the
/// input's ``LineProcessor`` into the segment of its window.
final class InputTracker {
    let settings: InputSettings
    let engine: EngineSettings
    let store: StateStore
    let fingerprints: Fingerprints
    let routes: InputRoutes
    let logger: Logger
    /// Files being read, oldest first.
    var files: [TailedFile] = []
    /// Fingerprints of files read to their end (or lost), by how they were made: scheme and length.
    var doneFingerprints: [[Int]: Set<[UInt8]>] = [:]
    /// Records that left `files` since the last commit.
    var released: [StateStore.FileRecord] = []
    var losses: [(input: String, path: String, from: Int64, to: Int64?, reason: String)] = []
    /// Rotated files compressed in a format logonym does not read, already reported.
    var unreadable = Set<String>()
    var nextSeq: Int64 = 0
    var hasHistory = false
    /// Set when a file was added: it is committed right away, so that a restart knows it even if it is renamed
    /// before the next regular commit.
    var addedFiles = false

    init(
        settings: InputSettings,
        engine: EngineSettings,
        store: StateStore,
        routes: InputRoutes,
        logger: Logger
    ) {
        self.settings = settings
        self.engine = engine
        self.store = store
        self.fingerprints = Fingerprints(key: store.fingerprintKey)
        self.routes = routes
        self.logger = logger
    }

    // MARK: Reading

    /// Reads what the files hold, oldest first; a rotated file is released once it was read to its end, the
    /// file after it has data, and it has not changed for two seconds.
    func read(budget: Int, scratch: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        var index = 0
        while index < files.count && total < budget {
            let file = files[index]
            if hasOlderUnfinished(before: index) {
                index += 1
                continue
            }
            if !routes.isReady {
                guard prepareRoutes(path: file.record.path) else { return total }
            }
            let n: Int
            do {
                let routes = routes
                n = try file.read(
                    budget: budget - total,
                    scratch: scratch,
                    emit: { routes.take($0, $1) },
                    stillSameFile: { [fingerprints] fd in
                        let length = file.record.fingerprintLength
                        guard length > 0 else { return true }
                        return fingerprints.fingerprint(ofDescriptor: fd, length: length) == file.record.fingerprint
                    }
                )
                if file.truncationSeen {
                    handleTruncation(file, size: file.probe?.size ?? 0)
                    continue
                }
            } catch {
                if file.isGzip {
                    let path = file.record.path
                    let age = FileProbe.path(path).map { Int64(Date().timeIntervalSince1970 * 1e9) - $0.mtime }
                    if let age, age < 5_000_000_000 {
                        // A compressed copy still being written: opened again at the committed offset next time.
                        logger.warning(
                            "\(path): \(error.message); trying again",
                            metadata: ["input": "\(settings.name)"]
                        )
                        if let reopened = try? TailedFile(
                            record: file.record,
                            path: path,
                            tailBytes: file.tailBytes,
                            framer: engine.lineFramer
                        ) {
                            reopened.rotatedAway = file.rotatedAway
                            files[index] = reopened
                        }
                        index += 1
                        continue
                    }
                    // Damaged: what it holds after the committed offset cannot be read, and is recorded as lost.
                    var record = file.record
                    record.state = "lost"
                    record.tail = fingerprints.tailHash(file.tailBytes[...])
                    released.append(record)
                    remember(record)
                    losses.append((settings.name, path, record.offset, nil, "damaged gzip: \(error.message)"))
                    logger.error(
                        "\(path): \(error.message); the lines after byte \(record.offset) were lost",
                        metadata: ["input": "\(settings.name)"]
                    )
                    files.remove(at: index)
                    continue
                }
                throw error
            }
            total += n
            if file.atEnd && shouldRelease(index) {
                // Nothing more will come: a last line without its newline is a line all the same.
                file.finish { routes.take($0, $1) }
                var record = file.record
                record.state = "finished"
                record.tail = fingerprints.tailHash(file.tailBytes[...])
                released.append(record)
                remember(record)
                files.remove(at: index)
                logger.info("finished \(record.path) at byte \(record.offset)", metadata: ["input": "\(settings.name)"])
                continue
            }
            index += 1
        }
        return total
    }

    /// Whether a file earlier in the same chain still has bytes to read, or holds a last line that comes out when
    /// it is let go: the files of a chain are read in order, and every pass reads the older file again before the
    /// newer one.
    private func hasOlderUnfinished(before index: Int) -> Bool {
        let chain = files[index].record.chain
        return files[..<index].contains { $0.record.chain == chain && (!$0.atEnd || $0.holdsPartialLine) }
    }

    /// A rotated file is let go once it was read to its end, it has not changed for two seconds (a writer still
    /// holding it, such as an nginx worker that has not reopened yet, would change it), and either the file after
    /// it in the chain has data or it was deleted. There is no timeout: a file that keeps growing keeps being read.
    private func shouldRelease(_ index: Int) -> Bool {
        let file = files[index]
        guard file.rotatedAway else { return false }
        if file.isGzip { return true }
        guard let probe = file.probe else { return true }
        guard successorHasData(index) || probe.links == 0 else { return false }
        return Int64(Date().timeIntervalSince1970 * 1e9) - probe.mtime > 2_000_000_000
    }

    /// Whether a file after this one in its chain has data: then the writer has moved on from this one.
    private func successorHasData(_ index: Int) -> Bool {
        let chain = files[index].record.chain
        return files[(index + 1)...].contains { $0.record.chain == chain && ($0.probe?.size ?? 0) > 0 }
    }

    /// Makes the input's processors, once its first file has bytes to detect the format from (when it is not
    /// given); whether they are made.
    private func prepareRoutes(path: String) -> Bool {
        var sample: [UInt8] = []
        if settings.format.fixed == nil {
            guard let head = Fingerprints.head(of: path, count: 64 * 1024), !head.bytes.isEmpty else { return false }
            sample = head.bytes
        }
        routes.prepare(sample: sample, json: engine.json, logger: logger)
        return true
    }

    // MARK: Committing

    /// Bytes in the files beyond what was read (plain files; a compressed copy counts as read when opened).
    var backlogBytes: Int64 {
        files.reduce(0) { total, file in
            guard !file.isGzip, let size = file.probe?.size else { return total }
            return total + max(0, size - file.readPosition)
        }
    }

    /// Whether every file is at its current end.
    var isIdle: Bool { files.allSatisfy(\.atEnd) }

    /// The file records and losses to commit, together with the segments' flush.
    func takeCommit(into commit: inout StateStore.Commit) {
        for file in files where file.record.fingerprintLength < Fingerprints.headLength && !file.isGzip {
            // Through the descriptor: the file may have been renamed or deleted since it was found.
            if let head = Fingerprints.headBytes({ file.head($0) }),
                case let grown = fingerprints.fingerprint(ofRaw: head[...]),
                grown.length > file.record.fingerprintLength
            {
                (file.record.fingerprint, file.record.fingerprintLength) = grown
                file.dirty = true
            }
        }
        for (index, file) in files.enumerated() {
            // A rotated file read to its end (no partial line held), whose writer has moved on to the file after it,
            // is committed as such: if it is deleted before logonym comes back, nothing of it was lost.
            // One whose writer may still append to it is `ended`: its deletion may have lost what came after.
            let ended = file.rotatedAway && file.atEnd && file.readPosition == file.record.offset
            let state = !ended ? "reading" : successorHasData(index) ? "drained" : "ended"
            if file.record.state != state {
                file.record.state = state
                file.dirty = true
            }
        }
        for file in files where file.dirty {
            var record = file.record
            record.tail = fingerprints.tailHash(file.tailBytes[...])
            commit.files.append(record)
        }
        commit.files += released
        commit.losses += losses
    }

    /// After the commit: new rows got ids; dirty flags are cleared.
    func committed(ids: [Int64?]) {
        var position = 0
        for file in files where file.dirty {
            if let id = ids[position] { file.record.id = id }
            file.dirty = false
            position += 1
        }
        released.removeAll()
        losses.removeAll()
    }
}

@available(*, unavailable)
extension InputTracker: Sendable {}
