import Dispatch
import Foundation
import GRDB
import LogonymCore
import Synchronization

/// `[output] encrypt = "window"`: rewrites each closed segment `NAME.log.gz` as `NAME.log.gz.age`, encrypted to its
/// window's identity (``WindowIdentities``) and the configured extra recipients, then removes the plain file.
///
/// Exactly once across a kill at any moment: the encrypted file is written under a dot name (ciphertext only),
/// fsynced, renamed into place and the directory fsynced; then one transaction moves the segment's row to the new
/// name and length; then the plain file is removed. Until the transaction the row names the plain file, which is
/// whole (an encrypted file beside it is not counted, and is written again); after it, the row names the whole
/// encrypted file (a plain file left beside it is not counted, and is removed: here, and by
/// ``SegmentSet/recover(committed:)``, which removes segment files the database does not know).
final class SegmentSealer {
    let store: StateStore
    let identities: WindowIdentities
    let recipients: [AgeRecipient]
    let window: WindowLength
    let access: FileAccess

    static let suffix = ".age"

    init(
        store: StateStore,
        identities: WindowIdentities,
        recipients: [AgeRecipient],
        window: WindowLength,
        group: gid_t?
    ) {
        self.store = store
        self.identities = identities
        self.recipients = recipients
        self.window = window
        self.access = .output(group: group)
    }

    /// Encrypts every closed plain segment of `inputs` and finishes what a crash left half done.
    ///
    /// The segments are encrypted side by side on up to two threads, then renamed into place, recorded in one
    /// transaction, and their plain files removed.
    func sealClosed(inputs: [String]) throws {
        var pending: [StateStore.SegmentRecord] = []
        for input in inputs {
            for segment in try store.segments(input: input) where !segment.open {
                if segment.path.hasSuffix(Self.suffix) {
                    // Recorded encrypted: a plain file left beside it is removed.
                    let plain = String(segment.path.dropLast(Self.suffix.count))
                    if unlink(plain) == 0 { DirectorySync.sync(parentOf: plain) }
                } else if FileProbe.path(segment.path) != nil {
                    pending.append(segment)
                } else if let probe = FileProbe.path(segment.path + Self.suffix) {
                    // The plain file is gone and the encrypted one is there (removed by hand after the rename?):
                    // recorded as it is. Neither there: a deletion retention finishes.
                    try record([(segment, Int64(probe.size))])
                }
            }
        }
        guard !pending.isEmpty else { return }
        try seal(pending)
    }

    private func seal(_ pending: [StateStore.SegmentRecord]) throws {
        let ids = pending.map { KeyStore.KeyID(window: window, windowStart: $0.windowStart) }
        let identities = try self.identities.identities(for: ids)
        var lengths = [Int64](repeating: -1, count: pending.count)
        var failures = [(any Error)?](repeating: nil, count: pending.count)
        let recipients = self.recipients
        let access = self.access
        lengths.withUnsafeMutableBufferPointer { lengths in
            failures.withUnsafeMutableBufferPointer { failures in
                nonisolated(unsafe) let lengths = lengths
                nonisolated(unsafe) let failures = failures
                let next = Atomic<Int>(0)
                let work = { @Sendable in
                    while true {
                        let index = next.add(1, ordering: .relaxed).oldValue
                        guard index < pending.count else { return }
                        do {
                            lengths[index] = try Self.encrypt(
                                pending[index],
                                to: [identities[ids[index]]!.recipient] + recipients,
                                access: access
                            )
                        } catch {
                            failures[index] = error
                        }
                    }
                }
                DispatchQueue.concurrentPerform(iterations: min(2, pending.count)) { _ in work() }
            }
        }
        if let failure = failures.compactMap({ $0 }).first {
            for segment in pending { unlink(Self.temporaryName(of: segment.path + Self.suffix)) }
            throw failure
        }
        for segment in pending {
            CrashPoint.reach("seal-written")
            let sealed = segment.path + Self.suffix
            guard rename(Self.temporaryName(of: sealed), sealed) == 0 else {
                throw LogonymIOError.system("rename", path: sealed, errno: errno)
            }
        }
        for directory in Set(pending.map { ($0.path as NSString).deletingLastPathComponent }) {
            DirectorySync.sync(directory)
        }
        CrashPoint.reach("seal-renamed")
        try record(Array(zip(pending, lengths)))
        CrashPoint.reach("seal-recorded")
        for segment in pending { unlink(segment.path) }
        for directory in Set(pending.map { ($0.path as NSString).deletingLastPathComponent }) {
            DirectorySync.sync(directory)
        }
    }

    /// The dot name an encrypted segment is written under before it is renamed into place.
    static func temporaryName(of path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return (path as NSString).deletingLastPathComponent + "/." + name + ".tmp"
    }

    /// Writes the segment's committed bytes encrypted to `recipients` under its temporary name, fsynced; returns
    /// the encrypted file's length.
    private static func encrypt(
        _ segment: StateStore.SegmentRecord,
        to recipients: [AgeRecipient],
        access: FileAccess
    ) throws -> Int64 {
        let temporary = temporaryName(of: segment.path + suffix)
        // Always a new file, never through a link planted under the name (a leftover of a crash is removed).
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, access.mode)
        guard fd >= 0 else { throw LogonymIOError.system("create", path: temporary, errno: errno) }
        var length: Int64 = 0
        do {
            try access.apply(to: fd, path: temporary)
            let encryptor = AgeEncryptor(recipients: recipients)
            let source = try FileByteSource(path: segment.path)
            source.limit = Int(segment.length)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            var out: [UInt8] = []
            out.reserveCapacity((1 << 20) + (1 << 17))
            var read = 0
            while true {
                let n = try source.read(into: buffer)
                if n == 0 { break }
                read += n
                encryptor.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), into: &out)
                try write(out, to: fd, path: temporary)
                length += Int64(out.count)
                out.removeAll(keepingCapacity: true)
            }
            guard read == segment.length else {
                throw LogonymIOError(
                    code: .readFailed,
                    path: segment.path,
                    message: "holds \(read) bytes, \(segment.length) were committed: not encrypted"
                )
            }
            encryptor.finish(into: &out)
            try write(out, to: fd, path: temporary)
            length += Int64(out.count)
            guard fsync(fd) == 0 else { throw LogonymIOError.system("fsync", path: temporary, errno: errno) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        return length
    }

    /// Moves the segments' rows to their encrypted files (with their lengths), in one transaction.
    private func record(_ sealed: [(StateStore.SegmentRecord, Int64)]) throws {
        try store.write { db in
            for (segment, length) in sealed {
                try db.execute(
                    sql: "UPDATE segments SET path = ?, length = ? WHERE path = ? AND open = 0",
                    arguments: [segment.path + Self.suffix, length, segment.path]
                )
            }
        }
    }

    private static func write(_ bytes: [UInt8], to fd: Int32, path: String) throws(LogonymIOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system("write", path: path, errno: errno)
            }
            offset += n
        }
    }
}

@available(*, unavailable)
extension SegmentSealer: Sendable {}
