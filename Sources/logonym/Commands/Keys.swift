import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym keys`: the window identities of encrypted segments.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Window identities of encrypted segments.",
        subcommands: [Export.self]
    )

    /// `logonym keys export`: a window identity in age's identity file format.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a window's age identity for the standard age tool (age -d -i FILE).",
            discussion: """
                Writes the identity that the window's encrypted segments (NAME.log.gz.age) were encrypted to, in \
                age's identity file format, to a new file of mode 0600 (or standard output with -o -). The export \
                is recorded in the audit log (identity_exported, with the file's path) before the file is written. \
                Whoever holds the file can read the window's segments, and every copy of them, until the file is \
                destroyed too: retention cannot reach an exported copy.

                  logonym keys export --config /etc/logonym/logonym.toml --window 2026-11-27T10 -o window.key
                  age -d -i window.key 2026-11-27T10.log.gz.age | zcat

                Exit codes: 0 written; 1 the window has no identity (never encrypted, or destroyed by retention); \
                2 usage or configuration error; 3 the file could not be written; 4 the export could not be \
                recorded in the audit log (nothing was written).
                """
        )

        @Option(help: ArgumentHelp("The window, by name (2026-11-27T10, or 2026-11-27 for 1d).", valueName: "window"))
        var window: String

        @Option(
            name: .shortAndLong,
            help: ArgumentHelp("The file to create ('-': standard output).", valueName: "file")
        )
        var output: String

        @Option(help: ArgumentHelp("The configuration file (for its state directory).", valueName: "path"))
        var config: String?

        @Option(name: .customLong("state-dir"), help: ArgumentHelp("A state directory instead.", valueName: "dir"))
        var stateDirectory: String?

        @Option(help: ArgumentHelp("The tenant whose window it is (with tenants configured).", valueName: "name"))
        var tenant: String?

        func run() throws {
            let directory = try resolveStateDirectory()
            guard FileManager.default.fileExists(atPath: directory + "/state.db") else {
                throw CommandFailure.usage("\(directory): no state database there")
            }
            let store = try StateStore(directory: directory, reader: true)
            let candidates = WindowIdentities.allLive(stateDirectory: directory).filter {
                $0.window.name(ofWindowStarting: $0.windowStart) == window && (tenant == nil || $0.tenant == tenant)
            }
            if Set(candidates.map(\.tenant)).count > 1 {
                throw CommandFailure.usage(
                    "window \(window) has an identity for each of several tenants: give --tenant NAME"
                )
            }
            guard let live = candidates.last else {
                if let destroyed = try WindowIdentities.destroyed(window: window, store: store) {
                    throw CommandFailure(
                        message:
                            "window \(window): its identity was destroyed by retention on \(AuditEntry.timestamp(destroyed)); nothing can be exported",
                        exitCode: 1
                    )
                }
                throw CommandFailure(
                    message: "window \(window): no identity in \(directory)/keys (its segments are not encrypted)",
                    exitCode: 1
                )
            }
            let identity: AgeIdentity
            do {
                identity = try WindowIdentities.load(live.path)
            } catch {
                throw CommandFailure(message: error.description, exitCode: 2)
            }
            if output == "-" && isatty(1) == 1 {
                throw CommandFailure.usage("-o -: standard output is a terminal; a secret key is not shown on a screen")
            }
            // Created first (a file that exists already is refused), then recorded, then written: the audit log never
            // names an export that could not be made, and nothing is written that it does not name.
            let fd = output == "-" ? 1 : open(output, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw CommandFailure(
                    message:
                        "\(output): cannot create it (\(String(cString: strerror(errno)))); it must not exist already",
                    exitCode: 3
                )
            }
            let path =
                output == "-" || output.hasPrefix("/")
                ? output : FileManager.default.currentDirectoryPath + "/" + output
            var event = AuditEvent("identity_exported", keyID: live.id, path: path, window: window)
            event.note = "recipient \(identity.recipient)"
            event.tenant = live.tenant
            do {
                try ReadTrace.record(event, stateDirectory: directory, store: store)
            } catch {
                if fd != 1 {
                    close(fd)
                    unlink(output)
                }
                throw error
            }
            let text = Array(
                identity.fileText(created: "\(AuditEntry.timestamp(Date().timeIntervalSince1970)) (window \(window))")
                    .utf8
            )
            let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = output == "-" || fsync(fd) == 0
            if fd != 1 { close(fd) }
            guard written == text.count, synced else {
                if output != "-" { unlink(output) }
                throw CommandFailure(message: "\(output): cannot write it", exitCode: 3)
            }
        }

        private func resolveStateDirectory() throws -> String {
            if let stateDirectory { return stateDirectory }
            let path = config ?? "/etc/logonym/logonym.toml"
            switch ConfigFile.load(path) {
            case .success(let read): return read.engine.stateDirectory
            case .failure(let problems):
                for problem in problems.problems { Diagnostics.error(problem.description) }
                throw ExitCode(2)
            }
        }
    }
}
