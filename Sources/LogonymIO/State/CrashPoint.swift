import Foundation

/// Named points in multi-step changes (a retention sweep, a `forget` rewrite) where the crash tests kill the
/// process: with `LOGONYM_CRASH_AT=NAME` in the environment, reaching `NAME` sends SIGKILL to the process itself,
/// exactly as `kill -9` would at that moment. Without the variable this does nothing.
enum CrashPoint {
    static let target = ProcessInfo.processInfo.environment["LOGONYM_CRASH_AT"]

    static func reach(_ name: String) {
        if let target, target == name { kill(getpid(), SIGKILL) }
    }
}
