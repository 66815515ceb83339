import Foundation
import Synchronization

/// Who the audit log names for this process's entries: its real user id and that user's name, and the command
/// it runs (set once the command line is parsed: `stats`, `run`, `audit --verify`).
public struct ProcessIdentity: Sendable {
    public var uid: UInt32
    public var user: String
    public var command: String?

    private static let shared = Mutex(ProcessIdentity(uid: getuid(), user: userName(getuid()), command: nil))

    /// The identity entries of this process are stamped with.
    public static var current: ProcessIdentity { shared.withLock { $0 } }

    /// Names the command this process runs, for its entries.
    public static func setCommand(_ command: String) {
        shared.withLock { $0.command = command }
    }

    /// Fills in who and which command, unless the entry names them already (an entry recorded on behalf of a
    /// request, such as a `/stats` request to the daemon).
    func stamp(_ event: inout AuditEvent) {
        if event.uid == nil {
            event.uid = uid
            event.user = user
        }
        if event.command == nil { event.command = command }
    }

    /// The user's name from the password database (`#UID` when it has none: a systemd dynamic user that is gone).
    static func userName(_ uid: uid_t) -> String {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil, let name = entry.pw_name else { return "#\(uid)" }
        return String(cString: name)
    }
}
