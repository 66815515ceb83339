import Foundation
import LogonymCore
import LogonymIO

/// How `retention` and `forget` reach the state directory: directly, holding the `maintainer` lock, when no
/// daemon runs; otherwise by a request the daemon serves within a second or two.
struct MaintenanceAccess {
    let configPath: String
    let state: StateDirectory
    var maintenance: Maintenance { state.maintenance }

    /// Loads the configuration (exit 2 on problems) and opens its state directory.
    static func open(configPath: String) throws -> MaintenanceAccess {
        let config: DaemonConfig
        switch ConfigFile.load(configPath) {
        case .success(let loaded): config = loaded
        case .failure(let problems):
            for problem in problems.problems { Diagnostics.error(problem.description) }
            throw CommandFailure(message: "\(configPath): invalid configuration", exitCode: 2)
        }
        let state = try StateDirectory(settings: config.engine, role: .maintenance)
        return MaintenanceAccess(configPath: configPath, state: state)
    }

    /// Runs a request here, or hands it to the daemon and waits for its outcome (and runs it here after all if the
    /// daemon stops before it took it).
    func perform(_ request: Maintenance.Request, timeout: Duration = .seconds(120)) throws -> Maintenance.Outcome {
        let settings = maintenance.settings
        if state.isMaintainer {
            let locks = InputLocks(stateDirectory: settings.stateDirectory)
            return maintenance.serve(request, mayWrite: locks.mayWrite).0
        }
        let store = maintenance.store
        let id = try store.enqueueRequest(kind: request.kind, arguments: try JSONEncoder().encode(request))
        let deadline = ContinuousClock.now + timeout
        func result() throws -> Maintenance.Outcome? {
            try store.takeRequestResult(id).map { try JSONDecoder().decode(Maintenance.Outcome.self, from: $0) }
        }
        while ContinuousClock.now < deadline {
            if let outcome = try result() { return outcome }
            if try StateLock.attempt("maintainer", stateDirectory: settings.stateDirectory) != nil {
                // The daemon stopped: it served the request just before, or nobody will, so do it here.
                if let outcome = try result() { return outcome }
                try store.withdrawRequest(id)
                return try MaintenanceAccess.open(configPath: configPath).perform(request, timeout: timeout)
            }
            usleep(100_000)
        }
        try store.withdrawRequest(id)
        throw CommandFailure(
            message:
                "\(settings.stateDirectory): the daemon holds the maintainer lock but did not answer within \(timeout); is it stuck?",
            exitCode: 1
        )
    }
}
