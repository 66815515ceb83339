import Foundation
import LogonymCore
import LogonymTestSupport
import Synchronization
import Testing

@testable import LogonymIO

struct GzipTests {
    let lines = Array((0..<2000).map { "192.0.2.\($0 % 250) line \($0)\n" }.joined().utf8)

    @Test func concatenatedMembersAreReadToTheEnd() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let half = lines.count / 2
        let data =
            GzipMember.compress(Array(lines[..<half]), level: 6) + GzipMember.compress(Array(lines[half...]), level: 1)
        let path = try directory.write("multi.gz", data)
        let (bytes, error) = try readAll(path)
        #expect(error == nil)
        #expect(bytes == lines)
    }

    @Test func gzipIsRecognisedByItsMagicNotItsName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let disguised = try directory.write("access.log", GzipMember.compress(lines, level: 6))
        let plainNamedGz = try directory.write("plain.gz", lines)
        #expect(try InputOpener.open(disguised).isGzip)
        #expect(try readAll(disguised).bytes == lines)
        #expect(try !InputOpener.open(plainNamedGz).isGzip)
        #expect(try readAll(plainNamedGz).bytes == lines)
    }

    @Test func aTruncatedStreamReportsItsOffsetAfterReturningWhatDecoded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let member = GzipMember.compress(lines, level: 6)
        let path = try directory.write("cut.gz", Array(member.prefix(member.count / 2)))
        let (bytes, error) = try readAll(path)
        let failure = try #require(error)
        #expect(failure.code == .truncatedGzip)
        #expect(failure.description.contains("cut.gz") && failure.description.contains("offset \(member.count / 2)"))
        #expect(bytes.count > 0 && lines.starts(with: bytes), "everything decoded before the cut")
    }

    @Test func corruptDataNamesTheFileAndTheCompressedOffset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var member = GzipMember.compress(lines, level: 6)
        for i in 100..<140 { member[i] ^= 0x5A }
        let path = try directory.write("bad.gz", member)
        let (_, error) = try readAll(path)
        let failure = try #require(error)
        #expect(failure.code == .corruptGzip || failure.code == .truncatedGzip)
        #expect(failure.message.contains("compressed byte offset"))
    }

    /// The trailer is checked: a wrong CRC or a wrong length is damage, not a silently different file.
    @Test(arguments: [8, 5, 4, 1])
    func aWrongChecksumOrLengthInTheTrailerIsCorruption(_ fromEnd: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var member = GzipMember.compress(lines, level: 6)
        // The trailer: the CRC-32 (8 to 5 bytes from the end), then the length (4 to 1).
        member[member.count - fromEnd] ^= 0x01
        let path = try directory.write("trailer.gz", member)
        let failure = try #require(try readAll(path).error)
        #expect(failure.code == .corruptGzip, "\(failure)")
    }

    /// Headers as other tools write them (a file name, as gzip writes it; a comment and extra fields) and random
    /// damage: a cut stream gives a prefix of the text and an error; a damaged one
    /// gives the text or an error (a flipped bit in the header's time or OS byte changes nothing that is read).
    @Test func otherWritersHeadersAndRandomDamage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // gzip names the member after the file it compressed (FNAME), and two files give two members.
        let first = try directory.write("first.log", Array(lines[..<1000]))
        let second = try directory.write("second.log", Array(lines[1000...]))
        let named = directory.file("named.log.gz")
        #expect(try shell("gzip -c '\(first)' > '\(named)' && gzip -c '\(second)' >> '\(named)' && echo ok") == "ok")
        let fromGzip = try readAll(named)
        #expect(fromGzip.bytes == lines && fromGzip.error == nil)
        // FEXTRA and FCOMMENT set by hand on a member of our own (FHCRC: GzipHeaderTests).
        var member = GzipMember.compress(lines, level: 1)
        let extra: [UInt8] = [4, 0, 0x41, 0x42, 0, 0]  // XLEN 4: one subfield 'AB' of length 0
        let comment = Array("a comment\0".utf8)
        var header = Array(member[0..<10])
        header[3] = 0x04 | 0x10
        member = header + extra + comment + Array(member[10...])
        let flagged = try directory.write("flagged.gz", member)
        let fromFlags = try readAll(flagged)
        #expect(fromFlags.bytes == lines && fromFlags.error == nil, "\(String(describing: fromFlags.error))")

        var random = SplitMix64(seed: 23, stream: 2, index: 0)
        let original = GzipMember.compress(lines, level: 6)
        for case_ in 0..<200 {
            var damaged = original
            let cut = random.chance(50)
            if cut {
                damaged.removeLast(random.int(1...(damaged.count - 1)))
            } else {
                for _ in 0..<random.int(1...4) { damaged[random.below(damaged.count)] ^= UInt8(random.int(1...255)) }
            }
            let path = try directory.write("damaged\(case_).gz", damaged)
            let (bytes, error) = try readAll(path)
            if cut {
                #expect(error != nil && lines.starts(with: bytes), "case \(case_): a cut stream")
            } else {
                #expect(error != nil || bytes == lines, "case \(case_): damage read as other text without an error")
            }
        }
    }

    @Test func trailingZerosAreIgnoredAndTrailingGarbageIsReported() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let member = GzipMember.compress(lines, level: 6)
        let padded = try directory.write("padded.gz", member + Array(repeating: 0, count: 512))
        #expect(try readAll(padded).error == nil)
        let garbage = try directory.write("garbage.gz", member + Array("not gzip".utf8))
        let (bytes, error) = try readAll(garbage)
        #expect(bytes == lines)
        #expect(error?.code == .trailingGarbage)
        #expect(error?.message.contains("offset \(member.count)") == true)
    }

    /// Every level gives a gzip member that our reader (ISA-L), zlib and gzip itself read back to the same bytes, an empty
    /// block included; higher levels are not larger, and level 6 is at most 1.1 times the size of `gzip -6`'s
    /// output of the same text.
    @Test func everyLevelIsStandardGzipAndTheDefaultIsNoLargerThanGzipSix() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var random = SplitMix64(seed: 17, stream: 1, index: 0)
        let text = Array(
            (0..<20_000).map { i in
                let client = "198.51.100.\(random.int(1...254))"
                let path = random.pick(["/", "/index.html", "/wp-login.php", "/api/v1/items/\(i % 977)", "/app.js"])
                return
                    "\(client) - - [01/Jan/2030:00:00:\(i % 60) +0000] \"GET \(path) HTTP/1.1\" 200 \(i * 7 % 9000)\n"
            }.joined().utf8
        )
        var sizes: [Int] = []
        for level: Int32 in 1...9 {
            let member = GzipMember.compress(text, level: level)
            sizes.append(member.count)
            let path = try directory.write("level\(level).gz", member)
            #expect(try readAll(path).bytes == text, "level \(level)")
            #expect(zlibInflate(member) == text, "zlib reads level \(level)")
            #expect(try shell("gzip -t '\(path)' && echo ok") == "ok", "gzip -t at level \(level)")
        }
        #expect(sizes[8] <= sizes[0], "\(sizes)")
        for level: Int32 in [1, 6] {
            let empty = try directory.write("empty\(level).gz", GzipMember.compress([], level: level))
            #expect(try readAll(empty).bytes == [])
            // Random bytes do not compress: still one readable member.
            let noise = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let member = GzipMember.compress(noise, level: level)
            #expect(try readAll(try directory.write("noise\(level).gz", member)).bytes == noise)
            #expect(zlibInflate(member) == noise)
        }
        let plain = try directory.write("plain.log", text)
        let reference = try #require(Int(try shell("gzip -6 -c '\(plain)' | wc -c")))
        #expect(Double(sizes[5]) <= 1.1 * Double(reference), "level 6: \(sizes[5]) bytes, gzip -6: \(reference)")
    }

    @Test func parallelGzipOutputHoldsEveryBlockInOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("out.log.gz")
        let sink = ParallelGzipSink(file: try FileOutput(path: path), level: 1, threads: 3)
        var expected: [UInt8] = []
        for i in 0..<50 {
            let block = Array(String(repeating: "block \(i)\n", count: 100 + i).utf8)
            expected += block
            try sink.write(block)
        }
        try sink.finish()
        #expect(try readAll(path).bytes == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.log.gz"])
    }

    /// The compression threads yield to the reading thread (nice +10 over the thread that made them, at most 19):
    /// otherwise, with as many of them as cores, the reading thread gets a fair share of a core only.
    @Test func compressionRunsBelowTheReadingThreadsPriority() throws {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let reading = getpriority(which, 0)
        try #require(errno == 0)
        let seen = Mutex<[Int32]>([])
        let done = DispatchSemaphore(value: 0)
        let jobs = 2 * ProcessInfo.processInfo.activeProcessorCount
        for _ in 0..<jobs {
            CompressionThreads.shared.run {
                let priority = getpriority(which, 0)
                seen.withLock { $0.append(priority) }
                done.signal()
            }
        }
        for _ in 0..<jobs { done.wait() }
        // The threads are made on first use, by whichever test compresses first: all test threads run at the
        // process's priority.
        #expect(seen.withLock { $0 } == Array(repeating: min(reading + CompressionThreads.niceness, 19), count: jobs))
    }

    @Test func aFileOutputAppearsOnlyWhenFinishedAndAbandonLeavesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("out.log")
        let output = try FileOutput(path: path)
        try output.writeAll(Array("x\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: path))
        try output.finish()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "x\n")
        let abandoned = try FileOutput(path: directory.file("gone.log"))
        try abandoned.writeAll(Array("y\n".utf8))
        abandoned.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.log"])
    }

    /// The temporary file has a name nobody can guess and is always a new file: a symlink planted under the name
    /// logonym used to pick (`.NAME.logonym-PID.tmp`) is neither written through nor renamed into place, and an
    /// output path that is a symlink to a regular file is replaced, not written through.
    @Test func aTemporaryFileIsNeverOneThatWasThere() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let victim = directory.file("victim")
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: victim))
        let path = directory.file("out.log")
        try FileManager.default.createSymbolicLink(
            atPath: directory.file(".out.log.logonym-\(getpid()).tmp"),
            withDestinationPath: victim
        )
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        let output = try FileOutput(path: path)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let temporary = try #require(names.first { $0.hasPrefix(".out.log.logonym-") && !$0.contains("\(getpid())") })
        #expect(temporary.count >= ".out.log.logonym-.tmp".count + 8)
        try output.writeAll(Array("x\n".utf8))
        try output.finish()
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "x\n")
    }
}

/// What a shell command prints, without the surrounding blanks.
private func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
