import LogonymIO

/// How `retention` and `forget` reach the state directory of a configuration: directly, holding the `maintainer`
/// lock, when no daemon runs; otherwise by a request the daemon serves within a second or two
/// (``StateDirectory/perform(_:timeout:)``).
struct MaintenanceAccess {
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
        return MaintenanceAccess(state: try StateDirectory(settings: config.engine, role: .maintenance))
    }

    /// Records this command's read in the state directory's audit log (exit 4 if it cannot be).
    func recordRead(_ event: AuditEvent) throws {
        try ReadTrace.record(event, stateDirectory: state.settings.stateDirectory, store: state.store)
    }

    /// Runs a request here or by the daemon; a daemon that does not answer is exit 1.
    func perform(_ request: Maintenance.Request) throws -> Maintenance.Outcome {
        do {
            return try state.perform(request)
        } catch let error as LogonymIOError where error.code == .unanswered {
            throw CommandFailure(message: error.description, exitCode: 1)
        }
    }
}
