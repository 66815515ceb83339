import Foundation
import GRDB
import LogonymCore

/// Reads by members of `state.group`, who read the database and cannot write it: each leaves its read as a file in
/// `STATE/audit-inbox` (mode 1730 to the group: they create files in it, cannot list it, and cannot remove each
/// other's), and the owner's logonym records it in the chain.
extension AuditLog {
    static let inboxName = "audit-inbox"

    /// The most inbox files taken in one go (the daemon takes them every second, between reads).
    static let inboxBatch = 256

    /// Creates the inbox, empty, for `group`; an existing one is left as it is.
    static func makeInbox(_ path: String, group: UInt32) throws {
        if mkdir(path, 0o700) != 0 {
            if errno == EEXIST { return }
            throw LogonymIOError.system("mkdir", path: path, errno: errno)
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw LogonymIOError.system("open", path: path, errno: errno) }
        defer { close(fd) }
        try FileAccess(mode: 0o1730, group: group).apply(to: fd, path: path)
    }

    /// Leaves a read in the inbox of a state directory whose database this process can only read: written and
    /// fsynced under a name the owner skips (`.NAME.tmp`), then renamed, so it is taken whole or not yet.
    public static func submit(_ event: AuditEvent, stateDirectory: String) throws {
        var event = event
        ProcessIdentity.current.stamp(&event)
        let name = SecureRandom.hex(16)
        let directory = stateDirectory + "/" + inboxName
        let temporary = directory + "/." + name + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogonymIOError.system("open", path: temporary, errno: errno) }
        let bytes = Array(try encoder.encode(InboxRead(event)))
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(fd) == 0
        let failure = errno
        close(fd)
        guard synced, rename(temporary, directory + "/" + name + ".json") == 0 else {
            unlink(temporary)
            throw LogonymIOError.system("write", path: temporary, errno: synced ? errno : failure)
        }
    }

    /// What an inbox file may say: a known read command, a time range, and counts. Anything else in it (a note, a
    /// path, a user) is ignored, so nothing a member writes there, an address included, reaches the log as given.
    struct InboxRead: Codable {
        var command: String?
        var since: String?
        var until: String?
        var returned: Int64?
        var lines: Int64?

        init(_ event: AuditEvent) {
            command = event.command
            since = event.since
            until = event.until
            returned = event.returned
            lines = event.lines
        }

        /// The commands a member can run on the state, and the shapes of a time and a count.
        static let commands: Set<String> = [
            "stats", "audit", "audit --verify", "report --format md", "report --format json",
            "report --format html",
        ]

        func event(note: String) -> AuditEvent {
            func time(_ text: String?) -> String? {
                guard let text, let date = ISO8601DateFormatter().date(from: text) else { return nil }
                return AuditEntry.timestamp(date.timeIntervalSince1970)
            }
            var event = AuditEvent.read(
                command.flatMap { Self.commands.contains($0) ? $0 : nil } ?? "unknown",
                returned: returned.map { max(0, $0) },
                lines: lines.map { max(0, $0) },
                note: note
            )
            event.since = time(since)
            event.until = time(until)
            return event
        }
    }

    /// Records the reads left in the inbox (at most ``inboxBatch`` at a time), in the order they were left, and
    /// removes them, under the audit lock (two owner processes never take the same file). Who read is the file's
    /// owner, checked to be its only link (a hard link to someone else's file names them); the content gives the
    /// command, range and counts only (``InboxRead``); the time is when it is recorded, the note says when it was
    /// left. What is not a regular file of one link is removed and recorded once as unreadable. A file removed by
    /// its owner before this ran is not recorded (the README says so); a crash between the commit and the
    /// removal records it twice.
    public func ingestInbox() throws {
        guard let all = try? FileManager.default.contentsOfDirectory(atPath: inbox), !all.isEmpty else { return }
        // A read still being written has a dot name; one left so for a minute never will be (a crash, or a member
        // filling the inbox): removed, so that dot names cannot keep the others waiting.
        let now = Date().timeIntervalSince1970
        for name in all where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            var info = stat()
            if lstat(inbox + "/" + name, &info) == 0 && Double(info.st_ctim.tv_sec) < now - 60 {
                unlink(inbox + "/" + name)
            }
        }
        let names = all.filter { !$0.hasPrefix(".") }
        guard !names.isEmpty else { return }
        try withLock {
            var found: [(path: String, left: Double, event: AuditEvent)] = []
            for name in names.prefix(Self.inboxBatch) {
                let path = inbox + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                let left = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
                var event = AuditEvent.read("unknown", note: "unreadable entry in \(Self.inboxName)")
                if (info.st_mode & S_IFMT) == S_IFREG && info.st_nlink == 1 {
                    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                    if fd >= 0 {
                        var bytes = [UInt8](repeating: 0, count: 4096)
                        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                        close(fd)
                        let note = "left in \(Self.inboxName) at \(AuditEntry.timestamp(left))"
                        if count > 0, let read = try? JSONDecoder().decode(InboxRead.self, from: Data(bytes[0..<count]))
                        {
                            event = read.event(note: note)
                        }
                    }
                } else {
                    event.note =
                        "a \((info.st_mode & S_IFMT) == S_IFDIR ? "directory" : "file of several links or not regular") in \(Self.inboxName), removed"
                }
                event.uid = info.st_uid
                event.user = ProcessIdentity.userName(info.st_uid)
                found.append((path, left, event))
            }
            guard !found.isEmpty else { return }
            found.sort { $0.left < $1.left }
            try store.write { db in
                for entry in found { try Self.insert(entry.event, into: db) }
            }
            for entry in found where unlink(entry.path) != 0 && rmdir(entry.path) != 0 {
                // A directory with something in it: moved out of the way (a dot name is never taken), not taken
                // again every second.
                let name = (entry.path as NSString).lastPathComponent
                _ = rename(entry.path, inbox + "/.removed-" + name)
            }
            try syncLocked()
        }
    }
}
