import Foundation
import GRDB
import LogonymCore

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
    func sealClosed(inputs: [String]) throws {
        for input in inputs {
            for segment in try store.segments(input: input) where !segment.open {
                if segment.path.hasSuffix(Self.suffix) {
                    // Recorded encrypted: a plain file left beside it is removed.
                    let plain = String(segment.path.dropLast(Self.suffix.count))
                    if unlink(plain) == 0 { DirectorySync.sync(parentOf: plain) }
                } else {
                    try seal(segment)
                }
            }
        }
    }

    /// The dot name an encrypted segment is written under before it is renamed into place.
    static func temporaryName(of path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return (path as NSString).deletingLastPathComponent + "/." + name + ".tmp"
    }

    private func seal(_ segment: StateStore.SegmentRecord) throws {
        let sealed = segment.path + Self.suffix
        guard FileProbe.path(segment.path) != nil else {
            // The plain file is gone: encrypted and renamed before the crash, or deleted (retention finishes that).
            if let probe = FileProbe.path(sealed) { try record(segment, sealed: sealed, length: Int64(probe.size)) }
            return
        }
        let identity = try identities.identity(for: KeyStore.KeyID(window: window, windowStart: segment.windowStart))
        let temporary = Self.temporaryName(of: sealed)
        // Always a new file, never through a link planted under the name (a leftover of a crash is removed).
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, access.mode)
        guard fd >= 0 else { throw LogonymIOError.system("create", path: temporary, errno: errno) }
        var length: Int64 = 0
        do {
            try access.apply(to: fd, path: temporary)
            let encryptor = AgeEncryptor(recipients: [identity.recipient] + recipients)
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
                try Self.write(out, to: fd, path: temporary)
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
            try Self.write(out, to: fd, path: temporary)
            length += Int64(out.count)
            guard fsync(fd) == 0 else { throw LogonymIOError.system("fsync", path: temporary, errno: errno) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        CrashPoint.reach("seal-written")
        guard rename(temporary, sealed) == 0 else { throw LogonymIOError.system("rename", path: sealed, errno: errno) }
        DirectorySync.sync(parentOf: sealed)
        CrashPoint.reach("seal-renamed")
        try record(segment, sealed: sealed, length: length)
        CrashPoint.reach("seal-recorded")
        unlink(segment.path)
        DirectorySync.sync(parentOf: sealed)
    }

    /// Moves the segment's row to its encrypted file, in one transaction.
    private func record(_ segment: StateStore.SegmentRecord, sealed: String, length: Int64) throws {
        try store.write { db in
            try db.execute(
                sql: "UPDATE segments SET path = ?, length = ? WHERE path = ? AND open = 0",
                arguments: [sealed, length, segment.path]
            )
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
