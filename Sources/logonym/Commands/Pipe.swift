import ArgumentParser
import Foundation
import Logging
import LogonymIO
import ServiceLifecycle
import UnixSignals

/// `logonym pipe`: Apache's piped logs (`CustomLog "|/usr/local/bin/logonym pipe --config ... --input apache"`).
struct Pipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Read log lines from standard input into an input's windows (Apache CustomLog \"|...\").",
        discussion: """
            The input must have type = "pipe" in the configuration. Lines are committed at least once a second and \
            when standard input ends; what was committed is never lost, lines received but not yet committed when \
            the process is killed can be.
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Option(help: ArgumentHelp("The name of an input with type = \"pipe\".", valueName: "name"))
    var input: String

    func run() async throws {
        let loaded = try ConfigFile.loadOrExit(config).selecting(.pipe(input))
        guard !loaded.engine.inputs.isEmpty else {
            throw CommandFailure.usage("\(config): no input named '\(input)' with type = \"pipe\"")
        }
        let logger = Logger(label: "logonym") { StreamLogHandler.standardError(label: $0) }
        let service = TailService(
            config: loaded,
            notifier: SystemdNotifier(environment: [:]),
            logger: logger,
            once: false,
            untilStreamEnds: true
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "pipe")
            ],
            logger: logger
        )
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
