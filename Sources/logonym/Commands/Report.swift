import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym report`: evidence for the data controller.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the controller's report for a period: settings, lines, keys, deletions, requests, reads.",
        discussion: """
            From the configuration (its settings and SHA-256) and its state directory: lines read, written and \
            dropped by reason (the windows starting in the period, as logonym stats counts them), window keys \
            created and destroyed against their schedule (late ones flagged), segments deleted, access, erasure \
            and objection requests with their outcomes, reads by user, recorded losses, and the audit chain's state \
            with its head hash (the entries of the period, as logonym audit --since --until lists them). Never an \
            address. With --tenant, the tenant's own: its counters, window keys, retention and settings, and the \
            audit entries about it or about every tenant (as logonym audit --tenant lists them).

            md (default) is Markdown; json one object; html one self-contained file with inline SVG charts (lines \
            per day, drops per day, key destruction timeline) and no external assets. The report is a read, \
            recorded in the audit log first.

            Exit codes: 0 written; 2 usage or configuration error; 3 the output could not be written; 4 the read \
            could not be recorded in the audit log.
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Option(help: ArgumentHelp("The period's start (ISO 8601, -30d or @EPOCH).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("The period's end.", valueName: "time"))
    var until: String?

    @Option(
        help: ArgumentHelp(
            "One tenant's report: its counters, keys, retention and settings, and the audit entries about it.",
            valueName: "name"
        )
    )
    var tenant: String?

    @Option(help: ArgumentHelp("md, json or html.", valueName: "format"))
    var format: String = "md"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file.", valueName: "file"))
    var output: String?

    func run() throws {
        guard ["md", "json", "html"].contains(format) else {
            throw CommandFailure.usage("--format '\(format)': must be md, json or html")
        }
        let since = try TimeArgument.option(since, "--since")
        let until = try TimeArgument.option(until, "--until")
        let loaded = try ConfigFile.loadOrExit(config)
        var engine = loaded.engine
        if let tenant {
            guard let settings = engine.tenants.first(where: { $0.name == tenant }) else {
                throw CommandFailure.usage("--tenant '\(tenant)': not a configured tenant")
            }
            engine = engine.scoped(to: settings)
        }
        guard FileManager.default.fileExists(atPath: engine.stateDirectory + "/state.db") else {
            throw CommandFailure.usage("\(engine.stateDirectory): no state database (state.db) here")
        }
        let store = try StateStore(directory: engine.stateDirectory, reader: true)
        try ReadTrace.record(
            .read(
                "report --format \(format)",
                tenant: tenant,
                since: since.map(Double.init),
                until: until.map(Double.init)
            ),
            stateDirectory: engine.stateDirectory,
            store: store
        )
        let keyMode: String =
            switch engine.keyMode {
            case .none: "none"
            case .fixed: "fixed"
            case .ephemeral: "ephemeral"
            case .derived: "derived"
            }
        let configuration = ControllerReport.Configuration(
            path: loaded.path,
            bytes: Array(FileManager.default.contents(atPath: loaded.path) ?? Data()),
            method: engine.method.rawValue,
            ipv4Prefix: engine.prefixes.ipv4,
            ipv6Prefix: engine.prefixes.ipv6,
            window: engine.window,
            keyMode: keyMode,
            retention: engine.retention
        )
        let report = try ControllerReport.make(
            store: store,
            stateDirectory: engine.stateDirectory,
            window: engine.window,
            retention: engine.retention,
            sweepInterval: engine.sweepInterval.components.seconds,
            configuration: configuration,
            since: since,
            until: until,
            tenant: tenant
        )
        let text: String =
            switch format {
            case "json": try JSONOutput.encode(report) + "\n"
            case "html": ReportRendering.html(report)
            default: ReportRendering.markdown(report)
            }
        guard let output else {
            print(text, terminator: "")
            return
        }
        do throws(LogonymIOError) {
            let file = try FileOutput(path: output)
            try file.writeAll(Array(text.utf8))
            try file.finish()
        } catch {
            throw CommandFailure(message: error.description, exitCode: 3)
        }
    }
}
