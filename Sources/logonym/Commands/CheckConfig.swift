import ArgumentParser
import LogonymIO

/// `logonym check-config`: every problem of a configuration file, one line each.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file and report every problem at once.",
        discussion: "Each problem names the file, the line and the key. Exit codes: 0 valid; 2 invalid."
    )

    @Argument(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var path: String

    func run() throws {
        switch ConfigFile.load(path) {
        case .success(let config):
            print("\(path): OK (\(config.engine.inputs.count) input\(config.engine.inputs.count == 1 ? "" : "s"))")
        case .failure(let problems):
            for problem in problems.problems { print(problem.description) }
            throw ExitCode(2)
        }
    }
}
