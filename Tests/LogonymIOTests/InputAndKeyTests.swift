import Foundation
import LogonymCore
import LogonymIO
import Testing

struct InputAndKeyTests {
    @Test func missingInputsAndDirectoriesAreNamedErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        #expect {
            _ = try InputOpener.open(directory.file("missing.log"))
        } throws: { error in
            let failure = error as? LogonymIOError
            return failure?.code == .notFound
                && failure?.description == "\(directory.file("missing.log")): no such file or directory"
        }
        #expect {
            _ = try InputOpener.open(directory.path)
        } throws: { error in
            (error as? LogonymIOError)?.code == .isDirectory
        }
    }

    @Test func keyFilesMustBePrivateAndTheRightSize() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let good = try directory.write("good.key", Array(String(repeating: "0f", count: 32).utf8) + [0x0A])
        chmod(good, 0o600)
        #expect(try KeyFile.load(good).bytes == Array(repeating: 0x0F, count: 32))

        let open = try directory.write("open.key", Array(repeating: 1, count: 32))
        chmod(open, 0o644)
        #expect {
            _ = try KeyFile.load(open)
        } throws: { error in
            (error as? KeyFile.Problem)?.message.contains("chmod 600") == true
        }

        let short = try directory.write("short.key", Array(repeating: 1, count: 20))
        chmod(short, 0o600)
        #expect {
            _ = try KeyFile.load(short)
        } throws: { error in
            (error as? KeyFile.Problem)?.message.contains("32 raw bytes or 64 hex characters") == true
        }
        #expect(throws: KeyFile.Problem.self) { _ = try KeyFile.load(directory.file("none.key")) }

        // A symbolic link is refused, even to a good key: whoever can change the link chooses the key.
        let link = directory.file("link.key")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: good)
        #expect {
            _ = try KeyFile.load(link)
        } throws: { error in
            (error as? KeyFile.Problem)?.message.contains("symbolic link") == true
        }
        // A file owned by another user (tests run as root here: a file given to uid 1 is another user's).
        if geteuid() == 0 {
            let foreign = try directory.write("foreign.key", Array(repeating: 2, count: 32))
            chmod(foreign, 0o600)
            chown(foreign, 1, 1)
            #expect {
                _ = try KeyFile.load(foreign)
            } throws: { error in
                (error as? KeyFile.Problem)?.message.contains("owned by uid 1") == true
            }
        }
    }

    @Test func generatedFixturesOfEveryFormatPassWithFewUnparsableLines() throws {
        let cases: [(String, String, Int)] = [
            ("generated-combined.log.gz", "combined", 3000), ("generated-json.log.gz", "json", 1000),
            ("generated-vhost.log.gz", "vhost_combined", 1000), ("clean-combined.log.gz", "combined", 2000),
        ]
        for (name, formatName, lineCount) in cases {
            let (bytes, error) = try readAll(Fixtures.path(name))
            #expect(error == nil)
            let detected = bytes.withUnsafeBufferPointer {
                FormatDetector.detect($0, from: 0, to: min($0.count, 65536), json: JSONLineFormat())
            }
            #expect(detected.format.name == formatName, "\(name)")
            let result = try pumpAll(ChoppedSource(bytes, step: 1 << 20), format: detected.format)
            #expect(result.counters.linesRead == lineCount)
            #expect(result.counters.linesWritten == lineCount)
            #expect(result.counters.unparsable <= lineCount / 50, "\(name): \(result.counters.unparsable) unparsable")
        }
    }
}
