import Foundation
import Synchronization

/// Named points in multi-step changes (a retention sweep, a `forget` rewrite, a batch commit) where the crash tests
/// kill the process: with `LOGONYM_CRASH_AT=NAME` in the environment, reaching `NAME` sends SIGKILL to the process
/// itself, exactly as `kill -9` would at that moment; `NAME@N` kills at the N-th time it is reached. Without the
/// variable this does nothing, and in release builds it is compiled out (the tests that use it run debug builds).
enum CrashPoint {
    #if DEBUG
    static let target: (name: Substring, count: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["LOGONYM_CRASH_AT"] else { return nil }
        let parts = text.split(separator: "@", maxSplits: 1)
        guard let name = parts.first else { return nil }
        return (name, parts.count == 2 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let reached = Atomic<Int>(0)

    static func reach(_ name: String) {
        guard let target, target.name == name else { return }
        if reached.add(1, ordering: .relaxed).newValue >= target.count { kill(getpid(), SIGKILL) }
    }
    #else
    @inline(__always)
    static func reach(_ name: String) {}
    #endif
}
