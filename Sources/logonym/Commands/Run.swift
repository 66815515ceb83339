import ArgumentParser
import Foundation
import Logging
import LogonymIO
import ServiceLifecycle
import UnixSignals

/// `logonym run`: the daemon.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Follow live access logs and write pseudonymized segments, exactly once.",
        discussion: """
            Follows every [[input]] of the configuration like tail -F (through rotation, compression and \
            restarts), writes one segment per input and window under output.dir, and commits output and input \
            offsets together at least once a second. Runs under systemd as Type=notify (READY=1, STATUS=, \
            WATCHDOG=1); SIGTERM or SIGINT stops it cleanly, SIGHUP reloads the configuration.

            Exit codes: 0 stopped cleanly; 1 a runtime failure (logged); 2 the configuration is invalid.
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Flag(help: "Read every input to its current end, commit and exit (catch up a backlog, then stop).")
    var once = false

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("trace, debug, info, notice, warning, error.", valueName: "level")
    )
    var logLevel: String = "info"

    func run() async throws {
        let daemonConfig = try ConfigFile.loadOrExit(config).selecting(.daemon)
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CommandFailure.usage(
                "--log-level '\(logLevel)': must be trace, debug, info, notice, warning or error"
            )
        }
        var logger = Logger(label: "logonym") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        // The metrics endpoint comes first so that the group stops it last, after the tailer has committed.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var endpoint: MetricsEndpoint?
        if let (listen, allowRemote) = daemonConfig.metrics {
            let metrics = MetricsEndpoint(settings: daemonConfig.engine)
            do {
                let service = try MetricsService(
                    listen: listen,
                    allowRemote: allowRemote,
                    endpoint: metrics,
                    logger: logger
                )
                services.append(.init(service: service, serviceName: "metrics"))
            } catch {
                logger.error("stopped on an error: \(error)")
                throw ExitCode(1)
            }
            endpoint = metrics
        }
        let service = TailService(
            config: daemonConfig,
            notifier: notifier,
            logger: logger,
            once: once,
            endpoint: endpoint
        )
        services.append(
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "tail")
        )
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(4)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            logger.error("stopped on an error: \(error)")
            throw ExitCode(1)
        }
    }
}
