import Foundation
import LogonymIO

/// Records a command's read of pseudonymized data or state in the audit log of the state directory it read, before
/// anything read is shown: a read that cannot be recorded is not shown (exit 4).
enum ReadTrace {
    /// Exit status of a command whose read could not be recorded.
    static let unrecordedExit: Int32 = 4

    static func record(_ event: AuditEvent, stateDirectory: String, store: StateStore) throws {
        do {
            if store.isReadOnly {
                try AuditLog.submit(event, stateDirectory: stateDirectory)
            } else {
                try AuditLog(stateDirectory: stateDirectory, store: store).record(event)
            }
        } catch {
            throw CommandFailure(
                message: "\(stateDirectory): cannot record this read in the audit log (\(error)); nothing was shown",
                exitCode: unrecordedExit
            )
        }
    }
}
