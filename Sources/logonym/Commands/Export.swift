import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym export`: a tenant's segments of a time range in one age file for a third party.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a time range's segments in one age-encrypted file for a third party.",
        discussion: """
            Writes the segments whose windows overlap [--since, --until) (of one tenant, with tenants configured) \
            into one age v1 file encrypted to the recipients given (--to age1..., --to-file with one recipient \
            per line, as age -R reads it), and to nothing logonym keeps: only the recipients can open it. \
            Encrypted segments are decrypted with their window identities first, and an open segment is taken up \
            to what the state database has committed, so the daemon can keep running.

            --format tar (the default) holds one entry per segment, as stored (gzip, or plain with compress = \
            false), named INPUT/WINDOW.log.gz (TENANT/INPUT/... with tenants); --format log holds the lines \
            themselves, decompressed, in window order. The recipient reads it with the standard age tool:

              logonym export --config /etc/logonym/logonym.toml --tenant acme --since 2026-11-01 \\
                  --until 2026-12-01 --to-file acme-analyst.txt -o acme-2026-11.tar.age
              age -d -i analyst.key acme-2026-11.tar.age | tar -x
              age -d -i analyst.key acme-2026-11.log.age | goaccess -      (--format log)

            The file is written under a temporary name, made durable, recorded in the audit log \
            (segments_exported: the tenant, the range, the recipients' public keys, the file's path and SHA-256) \
            and only then given its name (linked, never over a file that is there): an export the audit log does \
            not name is never left behind, and an existing file is never replaced.

            Exit codes: 0 written; 1 nothing to export in the range, or a segment could not be read (nothing was \
            written); 2 usage or configuration error; 3 the file could not be written; 4 the export could not be \
            recorded in the audit log (nothing was written).
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = "/etc/logonym/logonym.toml"

    @Option(help: ArgumentHelp("The tenant whose segments are exported (with tenants configured).", valueName: "name"))
    var tenant: String?

    @Option(help: ArgumentHelp("Windows ending after this time (ISO 8601, -7d or @EPOCH).", valueName: "time"))
    var since: String

    @Option(help: ArgumentHelp("Windows starting before this time.", valueName: "time"))
    var until: String

    @Option(
        name: .customLong("to"),
        parsing: .singleValue,
        help: ArgumentHelp("An age X25519 recipient (age1...); may be repeated.", valueName: "recipient")
    )
    var recipients: [String] = []

    @Option(
        name: .customLong("to-file"),
        parsing: .singleValue,
        help: ArgumentHelp("A file of recipients, one per line ('#' comments); may be repeated.", valueName: "file")
    )
    var recipientFiles: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to create.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("tar (the segments as stored) or log (their lines).", valueName: "format"))
    var format: String = "tar"

    @Flag(help: "Print the summary as one JSON object on standard output.")
    var json = false

    /// What was exported: the summary (`--json`) and the audit entry's fields.
    struct Summary: Encodable, Sendable {
        var path: String
        var format: String
        var tenant: String?
        var since: String
        var until: String
        var segments: Int
        var windows: [String]
        var lines: Int64
        /// The bytes of the archive or of the lines, before encryption.
        var bytes: Int64
        /// The age file's size and SHA-256 (hex).
        var size: Int64
        var sha256: String
        var recipients: [String]
    }

    func run() throws {
        guard let format = SegmentExport.Format(rawValue: format) else {
            throw CommandFailure.usage("--format '\(format)': must be tar or log")
        }
        let recipients = try parsedRecipients()
        guard let since = try TimeArgument.option(since, "--since"),
            let until = try TimeArgument.option(until, "--until")
        else { throw CommandFailure.usage("give --since and --until") }
        guard since < until else { throw CommandFailure.usage("--since must be before --until") }
        // Years 1 to 9999: what the audit log's timestamps can show.
        let representable: ClosedRange<Int64> = -62_135_596_800...253_402_300_799
        guard representable.contains(since), representable.contains(until) else {
            throw CommandFailure.usage("--since and --until must lie between the years 1 and 9999")
        }
        guard output != "-" else {
            throw CommandFailure.usage("-o -: an export is a file (it is given its name once recorded)")
        }
        guard !output.isEmpty, !output.hasSuffix("/") else {
            throw CommandFailure.usage("-o '\(output)': not a file name")
        }
        // lstat, not fileExists: a dangling symlink is there too, and is not replaced either.
        var info = stat()
        guard lstat(output, &info) != 0 else {
            throw CommandFailure.usage("-o \(output): exists already; an export never replaces a file")
        }
        let access = try MaintenanceAccess.open(configPath: config)
        // An export only reads (its audit entry is taken under the audit log's own lock): it lets go of the
        // `maintainer` lock at once, or a daemon started while a long export runs gave up after 30 seconds. A
        // segment retention removes meanwhile fails the export, as beside a running daemon.
        access.state.release()
        let settings = access.state.settings
        let tenant = try SubjectOptions.checkedTenant(tenant, settings)
        let names = settings.tenants.map(\.name)
        if tenant == nil && !names.isEmpty {
            throw CommandFailure.usage(
                "give --tenant NAME: an export holds one tenant's segments (\(names.joined(separator: ", ")))"
            )
        }
        let exporter = SegmentExport(
            store: access.state.store,
            window: settings.window,
            keys: SegmentKeys(stateDirectory: settings.stateDirectory)
        )
        let own = try exporter.ownRecipients()
        if let mine = recipients.first(where: { own[$0.description] != nil }) {
            throw CommandFailure.usage(
                "\(mine): the recipient of logonym's window identity \(own[mine.description]!): an export is for its recipients only, never for a key logonym keeps"
            )
        }
        var entries = try exporter.entries(tenant: tenant, since: since, until: until)
        let range = "[\(AuditEntry.timestamp(Double(since))), \(AuditEntry.timestamp(Double(until))))"
        guard !entries.isEmpty else {
            throw CommandFailure(
                message:
                    "no segments\(tenant.map { " of tenant \($0)" } ?? "") with lines in \(range): nothing exported",
                exitCode: 1
            )
        }
        do throws(LogonymIOError) {
            if format == .tar { try exporter.measure(&entries) }
        } catch {
            throw CommandFailure(message: "\(error.description); nothing exported", exitCode: 1)
        }
        let path = output.hasPrefix("/") ? output : FileManager.default.currentDirectoryPath + "/" + output
        let file: FileOutput
        let written: (bytes: Int64, size: Int64, sha256: String)
        // Ctrl-C or a SIGTERM removes the temporary file (only kill -9 can leave it).
        FileOutput.removeTemporaryFileOnSignals()
        do throws(LogonymIOError) {
            file = try FileOutput(path: output)
        } catch {
            throw CommandFailure(message: error.description, exitCode: 3)
        }
        do throws(LogonymIOError) {
            written = try exporter.write(entries, format: format, recipients: recipients, to: file)
            try file.sync()
        } catch {
            file.abandon()
            let written = error.path == output || error.code == .writeFailed
            throw CommandFailure(message: "\(error.description); nothing exported", exitCode: written ? 3 : 1)
        }
        var windows: [String] = []
        for entry in entries where windows.last != entry.window { windows.append(entry.window) }
        let summary = Summary(
            path: path,
            format: format.rawValue,
            tenant: tenant,
            since: AuditEntry.timestamp(Double(since)),
            until: AuditEntry.timestamp(Double(until)),
            segments: entries.count,
            windows: windows,
            lines: entries.reduce(0) { $0 + $1.segment.lines },
            bytes: written.bytes,
            size: written.size,
            sha256: written.sha256,
            recipients: recipients.map(\.description)
        )
        var event = AuditEvent("segments_exported", path: path, lines: summary.lines, bytes: written.size)
        event.command = "export"
        event.tenant = tenant
        event.since = summary.since
        event.until = summary.until
        event.segments = entries.count
        event.recipients = summary.recipients
        event.sha256 = written.sha256
        event.note = "\(format.rawValue), windows \(windows.first!) to \(windows.last!) (\(windows.count))"
        do {
            try access.recordRead(event)
        } catch {
            file.abandon()
            throw error
        }
        do throws(LogonymIOError) {
            // Linked to its name, never renamed over it: a file made there while the export ran stays.
            try file.finish(replacing: false)
        } catch {
            throw CommandFailure(message: error.description, exitCode: 3)
        }
        if json {
            print(try JSONOutput.encode(summary))
        } else {
            Diagnostics.raw(
                "export: \(entries.count) segments of \(windows.count) windows (\(windows.first!) to \(windows.last!)), \(summary.lines) lines, to \(path) (\(written.size) bytes, sha256 \(written.sha256)) for \(recipients.count) recipients\n"
            )
        }
    }

    /// `--to` and `--to-file`, each checked (a file's mistakes are named by line); at least one, no duplicates.
    private func parsedRecipients() throws -> [AgeRecipient] {
        var parsed: [AgeRecipient] = []
        for text in recipients {
            do {
                parsed.append(try AgeRecipient(parsing: text))
            } catch {
                throw CommandFailure.usage("--to: \(error.message)")
            }
        }
        for path in recipientFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure.usage("--to-file \(path): cannot read it")
            }
            // Split on the byte: a String splits "\r\n" as one character, so a CRLF file would be one line (and
            // one starting with a comment skipped whole). A byte order mark at the start is dropped.
            var bytes = Array(data)
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces.union(["\r"]))
                if text.isEmpty || text.hasPrefix("#") { continue }
                do {
                    parsed.append(try AgeRecipient(parsing: text))
                } catch {
                    throw CommandFailure.usage("--to-file \(path), line \(index + 1): \(error.message)")
                }
            }
        }
        guard !parsed.isEmpty else {
            throw CommandFailure.usage("give at least one recipient: --to age1... or --to-file FILE")
        }
        var seen = Set<AgeRecipient>()
        return parsed.filter { seen.insert($0).inserted }
    }
}
