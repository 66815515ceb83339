import Foundation
import Logging
import LogonymCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Follows the files of one input like `tail -F`, in order: a rotated file is read to its end before the file
/// after it, through renames, compression (`.gz`), copytruncate and restarts. Every complete line goes through the
/// input's ``LineProcessor`` into the segment of its window.
final class InputTracker {
    let settings: InputSettings
    let engine: EngineSettings
    let store: StateStore
    let fingerprints: Fingerprints
    let segments: SegmentSet
    let processors: ProcessorFactory
    let logger: Logger
    private(set) var processor: LineProcessor?
    /// Files being read, oldest first.
    private(set) var files: [TailedFile] = []
    /// Fingerprints of files read to their end (or lost), by how they were made: scheme and length.
    private var doneFingerprints: [[Int]: Set<[UInt8]>] = [:]
    /// Records that left `files` since the last commit.
    private var released: [StateStore.FileRecord] = []
    private var losses: [(input: String, path: String, from: Int64, to: Int64?, reason: String)] = []
    /// Rotated files compressed in a format logonym does not read, already reported.
    private var unreadable = Set<String>()
    private var nextSeq: Int64 = 0
    private var hasHistory = false
    /// Where the last line went, and the newest line time (for closing windows).
    let routing = RoutingState()
    var watermark: Int64 { routing.watermark }
    /// Set when a file was added: it is committed right away, so that a restart knows it even if it is renamed
    /// before the next regular commit.
    var addedFiles = false

    init(
        settings: InputSettings,
        engine: EngineSettings,
        store: StateStore,
        processors: ProcessorFactory,
        logger: Logger
    ) {
        self.settings = settings
        self.engine = engine
        self.store = store
        self.fingerprints = Fingerprints(key: store.fingerprintKey)
        self.processors = processors
        self.logger = logger
        self.segments = SegmentSet(input: settings.name, engine: engine)
    }

    var lineCounters: RunCounters { processor?.counters ?? RunCounters() }

    // MARK: Recovery

    /// Restores the committed state: cuts segments back, finds every unfinished file (renamed or compressed) at
    /// its committed offset, then the files rotated after it while logonym was down, oldest first.
    func recover() throws {
        try segments.recover(committed: store.segments(input: settings.name))
        let records = try store.files(input: settings.name)
        hasHistory = !records.isEmpty
        nextSeq = (records.map(\.seq).max() ?? -1) + 1
        try forgetGoneFiles(records.filter { !Self.isOpen($0) })
        var cutoff: Int64?
        // Per chain, the newest file found again: the files after it in rotation order are read after it.
        var newestFound: [String: (path: String, mtime: Int64)] = [:]
        for record in records where Self.isOpen(record) {
            // A file that was empty when committed has nothing to be recognised by (its inode number alone can be
            // another file's, or the file may have been copied and truncated since): it is found again below, with
            // the files changed since, each read from its start.
            let unread = record.offset == 0 && record.fingerprintLength == 0
            if !unread, let (path, probe) = locate(record) {
                do {
                    var found = record
                    found.path = path
                    found.dev = probe.dev
                    found.ino = probe.ino
                    let before = Fingerprints.bytes(before: record.offset, of: path)
                    let upgraded = rehash(&found, at: path, before: before)
                    let file = try TailedFile(
                        record: found,
                        path: path,
                        tailBytes: before ?? [],
                        framer: engine.lineFramer
                    )
                    file.rotatedAway = !currentMatches().contains(path)
                    if upgraded { file.dirty = true }
                    if probe.ino != record.ino,
                        let original = currentMatches().first(where: {
                            FileProbe.path($0).map { $0.dev == record.dev && $0.ino == record.ino } ?? false
                        }),
                        !Self.isCreated(original, after: record.updated)
                    {
                        // Found as a copy while the original inode lives on with other content: copytruncate
                        // happened while logonym was down.
                        losses.append(
                            (
                                settings.name, record.path, probe.size, nil,
                                "copytruncate: written after the copy was taken"
                            )
                        )
                        logger.notice(
                            "\(record.path) was copied to \(path) and truncated while logonym was down; lines written between the copy (byte \(probe.size)) and the truncation cannot be recovered",
                            metadata: ["input": "\(settings.name)"]
                        )
                    }
                    files.append(file)
                    cutoff = min(cutoff ?? probe.mtime, probe.mtime)
                    if newestFound[record.chain].map({
                        RotationOrder.isNewer((path, probe.mtime), than: $0, chain: record.chain)
                    }) ?? true {
                        newestFound[record.chain] = (path, probe.mtime)
                    }
                    logger.info("resuming \(path) at byte \(record.offset)", metadata: ["input": "\(settings.name)"])
                    continue
                } catch {
                    logger.error("cannot reopen \(path): \(error.message)", metadata: ["input": "\(settings.name)"])
                }
            }
            var gone = record
            let committedAt = Int64(record.updated * 1e9)
            cutoff = min(cutoff ?? committedAt, committedAt)
            if record.state == "drained" || record.state == "ended" {
                // Rotated away and read to its end when last committed, then deleted (`maxage`, `rotate N`):
                // nothing is known to be lost when its writer had moved on to the next file; otherwise what it may
                // have written after the commit is.
                gone.state = "finished"
                released.append(gone)
                remember(gone)
                logger.info(
                    "\(record.path) was deleted after it was read to its end (byte \(record.offset))",
                    metadata: ["input": "\(settings.name)"]
                )
                if record.state == "ended" {
                    losses.append(
                        (
                            settings.name, record.path, record.offset, nil,
                            "deleted after it was read to its end: anything written to it later is lost"
                        )
                    )
                }
                continue
            }
            if record.offset == 0
                && record.fingerprintLength < Fingerprints.fullHeadLength(scheme: record.fingerprintScheme)
            {
                // Nothing of it was read, and it had too few bytes to be recognised: it is found again below,
                // among the files changed since it was committed.
                gone.state = "finished"
                released.append(gone)
                continue
            }
            gone.state = "lost"
            released.append(gone)
            remember(gone)
            losses.append((settings.name, record.path, record.offset, nil, "removed before it was read to its end"))
            logger.error(
                "\(record.path) is gone: the lines after byte \(record.offset) were lost",
                metadata: ["input": "\(settings.name)"]
            )
        }
        // Files rotated after the one being read, while logonym was down: after the file found again, in rotation
        // order; where it is gone, those changed since it was committed.
        guard let cutoff else { return }
        let chains = Set(records.map(\.chain)).union(currentMatches())
        for chain in chains.sorted() {
            if let newest = newestFound[chain] {
                addSuccessors(chain: chain, after: newest)
            } else {
                addMissedFiles(chain: chain, changedSince: cutoff, includingLive: true)
            }
        }
    }

    /// Plain files before `.gz` ones: a compressed copy may still be being written by logrotate.
    static func plainFirst(_ paths: [String]) -> [String] {
        paths.sorted { !$0.hasSuffix(".gz") && $1.hasSuffix(".gz") }
    }

    /// A path without its compression suffix.
    static func stem(_ path: String) -> Substring {
        let suffix = RotationOrder.compressionSuffixes.first { path.hasSuffix($0) }
        return path.dropLast(suffix?.count ?? 0)
    }

    /// Whether a committed file was being read (`reading`; `drained` or `ended`: rotated away and read to its end so
    /// far, its writer gone on to the next file or maybe not).
    static func isOpen(_ record: StateStore.FileRecord) -> Bool {
        record.state == "reading" || record.state == "drained" || record.state == "ended"
    }

    /// Whether the file at `path` was created after `time` (seconds since the epoch): then it is a new file that
    /// got a reused inode number, not the file committed with that number. False when the file system does not
    /// say when a file was created.
    static func isCreated(_ path: String, after time: Double) -> Bool {
        guard let birth = FileProbe.birthTime(path) else { return false }
        return birth > Int64(time * 1e9)
    }

    /// Adds the files of a chain that come after `newest` in rotation order (``RotationOrder``), oldest first, and
    /// are neither read already nor being read: the files rotated while logonym was down, each from its start.
    private func addSuccessors(chain: String, after newest: (path: String, mtime: Int64)) {
        let successors = unreadFiles(of: chain, includingLive: true) { path, probe in
            RotationOrder.isNewer((path, probe.mtime), than: newest, chain: chain)
        }
        for path in successors {
            addFile(path: path, chain: chain, startAtEnd: false)
            let what = path == chain ? "created" : "rotated"
            logger.notice(
                "found \(path), \(what) while logonym was down: reading it from its start",
                metadata: ["input": "\(settings.name)"]
            )
        }
    }

    /// Adds, oldest first in rotation order, the files of a chain that changed since `cutoff` and are neither read
    /// already nor being read: files rotated (and perhaps compressed) before logonym saw them, because two
    /// rotations came faster than a scan, or because it was down and the file it was reading is gone.
    ///
    /// A file that is gone when it is opened was renamed or compressed in between (logrotate's `compress` removes
    /// `access.log.1` once `access.log.1.gz` is written): the chain is listed again, up to three times, so that its
    /// new form is found now (a later scan would not look back that far).
    private func addMissedFiles(chain: String, changedSince cutoff: Int64, includingLive: Bool) {
        for _ in 0..<3 {
            var vanished = false
            for path in unreadFiles(of: chain, includingLive: includingLive, where: { $1.mtime >= cutoff }) {
                guard addFile(path: path, chain: chain, startAtEnd: false) else {
                    vanished = FileProbe.path(path) == nil
                    if vanished { break }
                    continue
                }
                logger.notice("found \(path), rotated before it was followed", metadata: ["input": "\(settings.name)"])
            }
            if !vanished { return }
        }
    }

    /// The chain's rotated files (and with `includingLive` its live file) that `keep` accepts and that are neither
    /// read already nor being read, oldest first in rotation order. Only names logrotate gives are rotated files
    /// (`access.log.1`, `.2.gz`, `-20261127`): `access.log.json` or `access.log.bak` are other files. Two names with
    /// the same head that differ only by a compression suffix (`access.log.2` and the `access.log.2.gz` logrotate
    /// is writing from it) are one file: the plain one is read. A file compressed in a format logonym does not read
    /// (only gzip) is reported once, as lost.
    private func unreadFiles(
        of chain: String,
        includingLive: Bool,
        where keep: (String, FileProbe) -> Bool
    ) -> [String] {
        var found: [(path: String, mtime: Int64, head: [UInt8])] = []
        let candidates = Self.plainFirst(rotatedCopies(of: chain) + (includingLive ? [chain] : []))
        for path in candidates where RotationOrder.rank(of: path, chain: chain) != .other {
            guard let probe = FileProbe.path(path), probe.isRegular, probe.size > 0, keep(path, probe),
                !files.contains(where: { $0.record.dev == probe.dev && $0.record.ino == probe.ino })
            else { continue }
            if RotationOrder.compressionSuffixes.contains(where: { $0 != ".gz" && path.hasSuffix($0) }) {
                reportUnreadable(path)
                continue
            }
            guard !isDone(path), !isBeingRead(path),
                let head = Fingerprints.head(of: path, count: Fingerprints.headReadLength)?.bytes,
                !found.contains(where: { $0.head == head && Self.stem($0.path) == Self.stem(path) })
            else { continue }
            found.append((path, probe.mtime, head))
        }
        found.sort { RotationOrder.isNewer(($1.path, $1.mtime), than: ($0.path, $0.mtime), chain: chain) }
        return found.map(\.path)
    }

    /// The files beside `path` (and in the input's `olddir`) whose names start with its name: its rotated copies.
    private func rotatedCopies(of path: String) -> [String] {
        Glob.siblings(of: path, olddir: settings.olddir)
    }

    private func reportUnreadable(_ path: String) {
        guard unreadable.insert(path).inserted else { return }
        losses.append((settings.name, path, 0, nil, "compressed in a format logonym does not read (only gzip)"))
        logger.error(
            "\(path) is compressed in a format logonym does not read (only gzip): its lines are not read",
            metadata: ["input": "\(settings.name)"]
        )
    }

    private func remember(_ record: StateStore.FileRecord) {
        guard record.fingerprintLength > 0 else { return }
        doneFingerprints[[record.fingerprintScheme, record.fingerprintLength], default: []].insert(record.fingerprint)
    }

    /// Remembers the files read to their end (or lost) that are still on disk, where a rotation may show them
    /// again, and deletes the records of the others: nothing is kept about a file that is done and gone.
    private func forgetGoneFiles(_ done: [StateStore.FileRecord]) throws {
        let chains = Set(done.map(\.chain))
        let onDisk = Set(chains.flatMap { [$0] + rotatedCopies(of: $0) })
        // The files on disk by fingerprint, for each scheme and length the records were made with.
        var present: [[Int]: [[UInt8]: String]] = [:]
        for record in done where record.fingerprintLength > 0 {
            let kind = [record.fingerprintScheme, record.fingerprintLength]
            if present[kind] == nil {
                var found: [[UInt8]: String] = [:]
                for path in onDisk {
                    if let hash = fingerprints.fingerprint(of: path, length: kind[1], scheme: kind[0]) {
                        found[hash] = path
                    }
                }
                present[kind] = found
            }
        }
        var gone: [Int64] = []
        for record in done {
            guard let path = present[[record.fingerprintScheme, record.fingerprintLength]]?[record.fingerprint] else {
                if let id = record.id { gone.append(id) }
                continue
            }
            var kept = record
            if rehash(&kept, at: path, before: Fingerprints.bytes(before: kept.offset, of: path)) {
                released.append(kept)
            }
            remember(kept)
        }
        try store.forgetFiles(ids: gone)
    }

    /// A record made under an older ``Fingerprints/scheme`` (raw bytes), found at `path`, hashed again as hashes are
    /// made now (`before`: the bytes before its offset); whether it was.
    private func rehash(_ record: inout StateStore.FileRecord, at path: String, before: [UInt8]?) -> Bool {
        guard record.fingerprintScheme != Fingerprints.scheme else { return false }
        let head = Fingerprints.headBytes(of: path) ?? []
        (record.fingerprint, record.fingerprintLength) = fingerprints.fingerprint(ofRaw: head[...])
        record.tail = fingerprints.tailHash((before ?? [])[...])
        record.fingerprintScheme = Fingerprints.scheme
        return true
    }

    /// Whether the file at `path` has the fingerprint of a file already read to its end.
    private func isDone(_ path: String) -> Bool {
        doneFingerprints.contains { kind, known in
            fingerprints.fingerprint(of: path, length: kind[1], scheme: kind[0]).map(known.contains) ?? false
        }
    }

    /// Whether the file at `path` has the fingerprint of a file being read (e.g. its compressed copy).
    private func isBeingRead(_ path: String) -> Bool {
        files.contains { hasFingerprint(path, of: $0.record) }
    }

    /// Finds a committed file: at its path with the same inode, or anywhere in its chain (renamed or compressed)
    /// with the same fingerprint; the bytes before the committed offset must hash to the committed tail.
    private func locate(_ record: StateStore.FileRecord) -> (String, FileProbe)? {
        var candidates = [record.path] + currentMatches() + rotatedCopies(of: record.chain)
        candidates += rotatedCopies(of: record.path)
        var seen = Set<String>()
        let ordered = Self.plainFirst(candidates.filter { seen.insert($0).inserted })
        for path in ordered {
            guard let probe = FileProbe.path(path), probe.isRegular else { continue }
            // An inode number is only a hint: a file created after the commit that holds this one's number is another
            // file (ext4 hands a deleted file's number out again at once).
            let sameInode =
                probe.dev == record.dev && probe.ino == record.ino && !Self.isCreated(path, after: record.updated)
            if record.fingerprintLength == 0 && !sameInode { continue }
            if record.fingerprintLength > 0 && !hasFingerprint(path, of: record) { continue }
            guard let before = Fingerprints.bytes(before: record.offset, of: path),
                fingerprints.tailHash(before[...], scheme: record.fingerprintScheme) == record.tail
            else { continue }
            return (path, probe)
        }
        return nil
    }

    /// The live files: what the globs match, less the rotated copies of another match (`access.log*` matches
    /// `access.log.1` and `access.log.2.gz` too; they are read as part of `access.log`'s chain, not as chains of
    /// their own, which read their lines a second time).
    private func currentMatches() -> [String] {
        let matches = settings.paths.flatMap { Glob.expand($0) }
        let all = Set(matches)
        return matches.filter { path in
            !all.contains { chain in
                chain != path && path.hasPrefix(chain)
                    && RotationOrder.rank(of: path, chain: chain) != .other
            }
        }
    }

    // MARK: Scanning

    /// Looks for new files, rotations and truncation.
    func scan() {
        let matches = currentMatches()
        // The files at a live path, by identity (indices move as files are added and copies inserted).
        var live = Set<ObjectIdentifier>()
        for path in matches {
            guard let probe = FileProbe.path(path), probe.isRegular else { continue }
            if let index = files.firstIndex(where: { $0.record.dev == probe.dev && $0.record.ino == probe.ino }) {
                let file = files[index]
                live.insert(ObjectIdentifier(file))
                file.rotatedAway = false
                if file.record.path != path {
                    file.record.path = path
                    file.dirty = true
                }
                let changed = file.headCheckedAt.map { $0 != (probe.mtime, probe.size) } ?? true
                if !file.isGzip && (probe.size < file.readPosition || (changed && !headMatches(file, path: path))) {
                    // Shrunk, or rewritten from its start (copytruncate, then written past our offset again).
                    handleTruncation(file, size: probe.size)
                } else {
                    file.headCheckedAt = (probe.mtime, probe.size)
                }
                refreshFingerprint(file, path: path, size: probe.size)
            } else if !isDone(path) || probe.size == 0 {
                if let newest = files.last(where: { $0.record.chain == path }), let previous = newest.probe {
                    // A rotation: first any file rotated in between that was never seen.
                    addMissedFiles(chain: path, changedSince: previous.mtime, includingLive: false)
                }
                let startAtEnd = settings.startAtEnd && !hasHistory
                addFile(path: path, chain: path, startAtEnd: startAtEnd)
                if let added = files.last, added.record.path == path { live.insert(ObjectIdentifier(added)) }
            }
        }
        // `start_at = "end"` skips the backlog of the files found when an input is first adopted; a file that
        // appears later (a rotation, a new match) is read from its start.
        hasHistory = true
        for file in files where !live.contains(ObjectIdentifier(file)) {
            if !file.rotatedAway {
                file.rotatedAway = true
                // Find its new name (access.log.1): for the logs, and as the first place to look after a restart.
                if let renamed = rotatedCopies(of: file.record.chain).first(where: {
                    FileProbe.path($0).map { $0.dev == file.record.dev && $0.ino == file.record.ino } ?? false
                }) {
                    file.record.path = renamed
                    file.dirty = true
                }
            }
        }
    }

    /// Whether the file could be opened and is followed now.
    @discardableResult
    private func addFile(path: String, chain: String, startAtEnd: Bool) -> Bool {
        guard let probe = FileProbe.path(path) else { return false }
        var offset: Int64 = 0
        if startAtEnd { offset = Self.lastLineBoundary(path: path, size: probe.size) }
        let head = Fingerprints.headBytes(of: path) ?? []
        let fingerprint = fingerprints.fingerprint(ofRaw: head[...])
        let tail = offset > 0 ? Fingerprints.bytes(before: offset, of: path) ?? [] : []
        let record = StateStore.FileRecord(
            id: nil,
            input: settings.name,
            chain: chain,
            seq: nextSeq,
            dev: probe.dev,
            ino: probe.ino,
            fingerprint: fingerprint.hash,
            fingerprintLength: fingerprint.length,
            path: path,
            offset: offset,
            tail: fingerprints.tailHash(tail[...]),
            state: "reading"
        )
        nextSeq += 1
        do {
            let file = try TailedFile(record: record, path: path, tailBytes: tail, framer: engine.lineFramer)
            files.append(file)
            addedFiles = true
            logger.info(
                "following \(path)\(offset > 0 ? " from its end (byte \(offset))" : "")",
                metadata: ["input": "\(settings.name)"]
            )
            return true
        } catch {
            if FileProbe.path(path) == nil {
                logger.info(
                    "\(path) was renamed or removed before it could be opened",
                    metadata: ["input": "\(settings.name)"]
                )
            } else {
                logger.error("cannot open \(path): \(error.message)", metadata: ["input": "\(settings.name)"])
            }
            return false
        }
    }

    /// The end of the last complete line (for `start_at = "end"`).
    static func lastLineBoundary(path: String, size: Int64) -> Int64 {
        let from = max(0, size - 65_536)
        guard let bytes = Fingerprints.bytes(of: path, from: from, to: size),
            let newline = bytes.lastIndex(of: 0x0A)
        else { return from }
        return from + Int64(newline) + 1
    }

    /// Whether the file still starts with the bytes it was fingerprinted with (true when it cannot be read now).
    private func headMatches(_ file: TailedFile, path: String) -> Bool {
        let length = file.record.fingerprintLength
        guard length > 0,
            let current = fingerprints.fingerprint(of: path, length: length, scheme: file.record.fingerprintScheme)
        else { return true }
        return current == file.record.fingerprint
    }

    /// Whether the file at `path` starts with the bytes `record` was fingerprinted with.
    private func hasFingerprint(_ path: String, of record: StateStore.FileRecord) -> Bool {
        record.fingerprintLength > 0
            && fingerprints.fingerprint(of: path, length: record.fingerprintLength, scheme: record.fingerprintScheme)
                == record.fingerprint
    }

    /// A short file's fingerprint grows with it, up to ``Fingerprints/headLength`` bytes.
    private func refreshFingerprint(_ file: TailedFile, path: String, size: Int64) {
        guard file.record.fingerprintLength < Fingerprints.headLength, size > Int64(file.record.fingerprintLength),
            let head = Fingerprints.headBytes(of: path)
        else { return }
        let grown = fingerprints.fingerprint(ofRaw: head[...])
        guard grown.length > file.record.fingerprintLength else { return }
        (file.record.fingerprint, file.record.fingerprintLength) = grown
        file.dirty = true
    }

    /// copytruncate: the file shrank under us. The copy (same fingerprint, in the chain) holds what was not read
    /// yet, up to the moment it was taken; it is read first. Lines written between the copy and the truncation
    /// cannot be recovered: that window is recorded as a possible loss.
    private func handleTruncation(_ file: TailedFile, size: Int64) {
        let committed = file.record.offset
        let copy = rotatedCopies(of: file.record.chain).lazy.compactMap { path -> (String, FileProbe)? in
            guard let probe = FileProbe.path(path), probe.isRegular, probe.size >= committed,
                !self.files.contains(where: { $0.record.dev == probe.dev && $0.record.ino == probe.ino }),
                self.hasFingerprint(path, of: file.record)
            else { return nil }
            return (path, probe)
        }.first
        var recovered = false
        if let (copyPath, probe) = copy {
            var copy = file.record
            copy.id = nil
            copy.dev = probe.dev
            copy.ino = probe.ino
            copy.path = copyPath
            copy.seq = file.record.seq
            do {
                let reader = try TailedFile(
                    record: copy,
                    path: copyPath,
                    tailBytes: file.tailBytes,
                    framer: engine.lineFramer
                )
                reader.rotatedAway = true
                if let index = files.firstIndex(where: { $0 === file }) { files.insert(reader, at: index) }
                logger.notice(
                    "\(file.record.path) was truncated (copytruncate); reading the rest from \(copyPath) from byte \(committed); lines written between the copy and the truncation cannot be recovered",
                    metadata: ["input": "\(settings.name)"]
                )
                losses.append(
                    (settings.name, file.record.path, probe.size, nil, "copytruncate: written after the copy was taken")
                )
                recovered = true
            } catch {
                logger.error("cannot open \(copyPath): \(error.message)", metadata: ["input": "\(settings.name)"])
            }
        }
        if !recovered {
            losses.append((settings.name, file.record.path, committed, nil, "truncated before it was read to its end"))
            logger.error(
                "\(file.record.path) was truncated to \(size) bytes before it was read past byte \(committed); the lines after it were lost",
                metadata: ["input": "\(settings.name)"]
            )
        }
        file.record.seq = nextSeq
        nextSeq += 1
        (file.record.fingerprint, file.record.fingerprintLength) = fingerprints.fingerprint(ofRaw: [])
        file.restartAfterTruncation()
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
            if processor == nil {
                guard let created = makeProcessor(path: file.record.path) else { return total }
                processor = created
            }
            let lines = processor!
            let n: Int
            do {
                let router = LineRouter(processor: lines, segments: segments, state: routing)
                n = try file.read(
                    budget: budget - total,
                    scratch: scratch,
                    emit: { router.take($0, $1) },
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
                let router = LineRouter(processor: lines, segments: segments, state: routing)
                file.finish { router.take($0, $1) }
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

    /// The input's processor, once its first file has bytes to detect the format from (when it is not given).
    private func makeProcessor(path: String) -> LineProcessor? {
        var sample: [UInt8] = []
        if settings.format.fixed == nil {
            guard let head = Fingerprints.head(of: path, count: 64 * 1024), !head.bytes.isEmpty else { return nil }
            sample = head.bytes
        }
        return processors.make(for: settings, sample: sample)
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
