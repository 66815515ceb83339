import ArgumentParser
import Foundation
import LogonymCore
import LogonymIO

/// `logonym cat`: segments decrypted and decompressed to standard output.
struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print output segments (plain, gzip or age-encrypted) decompressed to standard output.",
        discussion: """
            An encrypted segment (NAME.log.gz.age, [output] encrypt = "window") is opened with its window's identity \
            from the state directory (--config or --state-dir), or with an age identity file given by --identity \
            (from 'logonym keys export' or age-keygen). Once retention has destroyed the window's identity, the \
            segment and every copy of it can no longer be read, and cat says so. Plain .log and .log.gz segments \
            need no key.

            Each segment is read to its end and checked (an encrypted one that was cut short, changed or reordered \
            fails, naming the file and the offset). With a state directory, the read is recorded in its audit log \
            before anything is shown.

              logonym cat --config /etc/logonym/logonym.toml /var/log/anon/web/2026-11-27T10.log.gz.age | goaccess -

            Exit codes: 0 every segment printed; 1 a segment could not be read (the others were printed); \
            2 usage or configuration error; 3 standard output could not be written; 4 the read could not be \
            recorded in the audit log (nothing was shown).
            """
    )

    @Argument(help: ArgumentHelp("Segments: .log, .log.gz or .log.gz.age files.", valueName: "segment"))
    var segments: [String]

    @Option(
        parsing: .singleValue,
        help: ArgumentHelp("An age identity file (AGE-SECRET-KEY-1... lines); may be repeated.", valueName: "file")
    )
    var identity: [String] = []

    @Option(help: ArgumentHelp("The configuration file (for its state directory).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("A state directory instead.", valueName: "dir"))
    var stateDirectory: String?

    func run() throws {
        guard !segments.isEmpty else { throw CommandFailure.usage("give at least one segment") }
        var given: [AgeIdentity] = []
        for path in identity {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure.usage("\(path): cannot read the identity file")
            }
            do {
                given += try AgeIdentity.parseFile(String(decoding: data, as: UTF8.self))
            } catch {
                throw CommandFailure.usage("\(path): \(error)")
            }
        }
        let directory = try resolveStateDirectory()
        var store: StateStore?
        if let directory {
            guard FileManager.default.fileExists(atPath: directory + "/state.db") else {
                throw CommandFailure.usage("\(directory): no state database there")
            }
            let opened = try StateStore(directory: directory, reader: true)
            try ReadTrace.record(
                .read("cat", returned: Int64(segments.count), note: "\(segments.count) segments"),
                stateDirectory: directory,
                store: opened
            )
            store = opened
        }
        let keys = SegmentKeys(given: given, stateDirectory: directory)
        let out = FileOutput()
        var failed = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for path in segments {
            do throws(LogonymIOError) {
                let source = try InputOpener.openSegment(path, readAhead: true) { () throws(LogonymIOError) in
                    try keys.identities(for: path)
                }
                while true {
                    let n = try source.read(into: buffer)
                    if n == 0 { break }
                    try out.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                }
            } catch  where error.path == "-" || error.code == .writeFailed {
                throw CommandFailure(message: error.description, exitCode: 3)
            } catch {
                failed = true
                Diagnostics.error(explain(error, store: store))
            }
        }
        do {
            try out.finish()
        } catch {
            throw CommandFailure(message: error.description, exitCode: 3)
        }
        if failed { throw ExitCode(1) }
    }

    /// The error's message; for a segment no identity opens, why: its window's identity was destroyed (and
    /// when), or it was encrypted to other keys.
    private func explain(_ error: LogonymIOError, store: StateStore?) -> String {
        guard error.code == .noIdentity else { return error.description }
        let window = SegmentKeys.windowName(ofSegment: error.path)
        if let store, let destroyed = try? WindowIdentities.destroyed(window: window, store: store) {
            let date = AuditEntry.timestamp(destroyed)
            return
                "\(error.path): the window's key was destroyed by retention on \(date): this segment can no longer be read"
        }
        if store == nil && identity.isEmpty {
            return
                "\(error.path): is encrypted; give the state directory it was written with (--config or --state-dir) or an identity (--identity FILE)"
        }
        return "\(error.path): \(error.message): no identity given or kept for window \(window) opens it"
    }

    private func resolveStateDirectory() throws -> String? {
        if let stateDirectory { return stateDirectory }
        let path = config ?? "/etc/logonym/logonym.toml"
        if config == nil && (!identity.isEmpty || !FileManager.default.fileExists(atPath: path)) { return nil }
        switch ConfigFile.load(path) {
        case .success(let read): return read.engine.stateDirectory
        case .failure(let problems):
            for problem in problems.problems { Diagnostics.error(problem.description) }
            throw ExitCode(2)
        }
    }
}
