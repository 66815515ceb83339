import Foundation
import Glibc
import Logging
import LogonymCore

// Recovery: the committed state restored at start, and the files rotated while logonym was down.
extension InputTracker {
    /// Restores the committed state: cuts segments back, finds every unfinished file (renamed or compressed) at
    /// its committed offset, then the files rotated after it while logonym was down, oldest first.
    func recover() throws {
        try routes.recover(store: store)
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
    func addSuccessors(chain: String, after newest: (path: String, mtime: Int64)) {
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
    func addMissedFiles(chain: String, changedSince cutoff: Int64, includingLive: Bool) {
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
    func unreadFiles(
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
    func rotatedCopies(of path: String) -> [String] {
        Glob.siblings(of: path, olddir: settings.olddir)
    }

    func reportUnreadable(_ path: String) {
        guard unreadable.insert(path).inserted else { return }
        losses.append((settings.name, path, 0, nil, "compressed in a format logonym does not read (only gzip)"))
        logger.error(
            "\(path) is compressed in a format logonym does not read (only gzip): its lines are not read",
            metadata: ["input": "\(settings.name)"]
        )
    }

    func remember(_ record: StateStore.FileRecord) {
        guard record.fingerprintLength > 0 else { return }
        doneFingerprints[[record.fingerprintScheme, record.fingerprintLength], default: []].insert(record.fingerprint)
    }

    /// Remembers the files read to their end (or lost) that are still on disk, where a rotation may show them
    /// again, and deletes the records of the others: nothing is kept about a file that is done and gone.
    func forgetGoneFiles(_ done: [StateStore.FileRecord]) throws {
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
    func rehash(_ record: inout StateStore.FileRecord, at path: String, before: [UInt8]?) -> Bool {
        guard record.fingerprintScheme != Fingerprints.scheme else { return false }
        let head = Fingerprints.headBytes(of: path) ?? []
        (record.fingerprint, record.fingerprintLength) = fingerprints.fingerprint(ofRaw: head[...])
        record.tail = fingerprints.tailHash((before ?? [])[...])
        record.fingerprintScheme = Fingerprints.scheme
        return true
    }

    /// Whether the file at `path` has the fingerprint of a file already read to its end.
    func isDone(_ path: String) -> Bool {
        doneFingerprints.contains { kind, known in
            fingerprints.fingerprint(of: path, length: kind[1], scheme: kind[0]).map(known.contains) ?? false
        }
    }

    /// Whether the file at `path` has the fingerprint of a file being read (e.g. its compressed copy).
    func isBeingRead(_ path: String) -> Bool {
        files.contains { hasFingerprint(path, of: $0.record) }
    }

    /// Finds a committed file: at its path with the same inode, or anywhere in its chain (renamed or compressed)
    /// with the same fingerprint; the bytes before the committed offset must hash to the committed tail.
    func locate(_ record: StateStore.FileRecord) -> (String, FileProbe)? {
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
    func currentMatches() -> [String] {
        let matches = settings.paths.flatMap { Glob.expand($0) }
        let all = Set(matches)
        return matches.filter { path in
            !all.contains { chain in
                chain != path && path.hasPrefix(chain)
                    && RotationOrder.rank(of: path, chain: chain) != .other
            }
        }
    }
}
