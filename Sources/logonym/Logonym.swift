import ArgumentParser
import CLinux
import Foundation
import LogonymIO

/// The `logonym` command: pseudonymize web-server access logs.
@main
struct Logonym: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logonym",
        abstract: "Pseudonymize the client addresses in web-server access logs.",
        discussion: """
            Exit codes: 0 success; 1 some input failed (the others were processed completely); \
            2 usage or configuration error (nothing written); 3 the output could not be written.
            """,
        version: "0.1.0",
        subcommands: [
            Anonymize.self, Run.self, Pipe.self, CheckConfig.self, Stats.self, Retention.self, Forget.self, Access.self,
            Object.self, Audit.self, Report.self, Verify.self, Tenant.self, Cat.self, Keys.self, Export.self,
        ]
    )

    /// Runs a command with logonym's exit codes: usage errors exit 2 (not ArgumentParser's 64).
    static func main() async {
        // Never dumpable: no core file, and no process of the same user can read this one's memory (window keys,
        // raw lines) through ptrace or /proc/PID/mem.
        _ = logonym_set_dumpable(0)
        do {
            var command = try parseAsRoot()
            // A subcommand is named with its parent: `tenant remove`.
            let parent = command is Tenant.List || command is Tenant.Remove ? "tenant " : ""
            ProcessIdentity.setCommand(parent + type(of: command)._commandName)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let failure as CommandFailure {
            Diagnostics.error(failure.message)
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            Diagnostics.raw(fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
    }
}

/// An error that ends a command with a given exit code after one `logonym: …` line.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32

    /// A usage or configuration error: exit 2.
    static func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 2) }
}
