import Foundation
import Glibc
import Logging
import LogonymCore

// Scanning: new files, rotations and truncation.
extension InputTracker {
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
    func addFile(path: String, chain: String, startAtEnd: Bool) -> Bool {
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
    func headMatches(_ file: TailedFile, path: String) -> Bool {
        let length = file.record.fingerprintLength
        guard length > 0,
            let current = fingerprints.fingerprint(of: path, length: length, scheme: file.record.fingerprintScheme)
        else { return true }
        return current == file.record.fingerprint
    }

    /// Whether the file at `path` starts with the bytes `record` was fingerprinted with.
    func hasFingerprint(_ path: String, of record: StateStore.FileRecord) -> Bool {
        record.fingerprintLength > 0
            && fingerprints.fingerprint(of: path, length: record.fingerprintLength, scheme: record.fingerprintScheme)
                == record.fingerprint
    }

    /// A short file's fingerprint grows with it, up to ``Fingerprints/headLength`` bytes.
    func refreshFingerprint(_ file: TailedFile, path: String, size: Int64) {
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
    func handleTruncation(_ file: TailedFile, size: Int64) {
        let committed = file.record.offset
        // Looked at once per path: a lazy compactMap would stat each file twice (to filter, then to map), and a
        // file that changed between the two (the writer still appending, a second truncation) crashed the daemon.
        var copy: (String, FileProbe)?
        for path in rotatedCopies(of: file.record.chain) {
            guard let probe = FileProbe.path(path), probe.isRegular, probe.size >= committed,
                !files.contains(where: { $0.record.dev == probe.dev && $0.record.ino == probe.ino }),
                hasFingerprint(path, of: file.record)
            else { continue }
            copy = (path, probe)
            break
        }
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
}
