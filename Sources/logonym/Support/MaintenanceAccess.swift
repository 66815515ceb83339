import Foundation
import LogonymCore
import LogonymIO

/// How `retention` and `forget` reach the state directory: directly, holding the `maintainer` lock, when no
/// daemon runs; otherwise by a request the daemon serves within a second or two.
enum MaintenanceAccess {
    case direct(Maintenance, StateLock)
    case daemon(Maintenance)

    /// Loads the configuration (exit 2 on problems) and opens its state directory.
    static func open(configPath: String) throws -> MaintenanceAccess {
        let config: DaemonConfig
        switch ConfigFile.load(configPath) {
        case .success(let loaded): config = loaded
        case .failure(let problems):
            for problem in problems.problems { Diagnostics.error(problem.description) }
            throw CommandFailure(message: "\(configPath): invalid configuration", exitCode: 2)
        }
        let settings = config.engine
        try FileManager.default.createDirectory(atPath: settings.stateDirectory, withIntermediateDirectories: true)
        if let lock = try StateLock.attempt("maintainer", stateDirectory: settings.stateDirectory) {
            let store = try StateStore(directory: settings.stateDirectory)
            try store.completeRewrites(window: settings.window)
            return .direct(try Maintenance(settings: settings, store: store), lock)
        }
        let store = try StateStore(directory: settings.stateDirectory)
        return .daemon(try Maintenance(settings: settings, store: store, readOnly: true))
    }

    var maintenance: Maintenance {
        switch self {
        case .direct(let maintenance, _), .daemon(let maintenance): maintenance
        }
    }

    /// Runs a request here or hands it to the daemon and waits for its outcome.
    func perform(_ request: Maintenance.Request, timeout: Duration = .seconds(120)) throws -> Maintenance.Outcome {
        switch self {
        case .direct(let maintenance, _):
            var inputLocks: [String: StateLock?] = [:]
            let (outcome, _) = maintenance.serve(request) { input in
                // An open segment is rewritten only if no daemon or pipe process writes its input.
                if let held = inputLocks[input] { return held != nil }
                let lock = try? StateLock.attempt(
                    StateLock.inputLockName(input),
                    stateDirectory: maintenance.settings.stateDirectory
                )
                inputLocks[input] = lock
                return lock != nil
            }
            withExtendedLifetime(inputLocks) {}
            return outcome
        case .daemon(let maintenance):
            let store = maintenance.store
            let id = try store.enqueueRequest(kind: request.kind, arguments: try JSONEncoder().encode(request))
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let data = try store.takeRequestResult(id) {
                    return try JSONDecoder().decode(Maintenance.Outcome.self, from: data)
                }
                usleep(100_000)
            }
            try store.withdrawRequest(id)
            throw CommandFailure(
                message:
                    "\(maintenance.settings.stateDirectory): another logonym holds the maintainer lock but did not answer within \(timeout); is the daemon stuck?",
                exitCode: 1
            )
        }
    }
}
