import Foundation
import LogonymCore
import LogonymIO
import Testing

/// Lines of one input processed on several threads (``LinePump`` with `threads` above 1) against one thread: the
/// same blocks handed to the sink (so the same gzip members), the same counters, the same outcome, over seeded
/// inputs of many shapes, read in many sizes, with overlong lines cut into pieces across batches.
struct ParallelLanesTests {
    /// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

        mutating func ipv4() -> String { "\(1 + below(222)).\(below(256)).\(below(256)).\(below(256))" }

        mutating func ipv6() -> String {
            pick([
                "2001:db8:\(String(below(65536), radix: 16))::\(String(below(65536), radix: 16))",
                "2a02:\(String(below(65536), radix: 16)):\(String(below(65536), radix: 16)):0:0:0:0:1",
                "::ffff:\(ipv4())", "[2001:db8::\(below(99))]:443", "fe80::1%eth0",
            ])
        }
    }

    /// Combined lines of every shape the processor handles differently, and lines that are not combined at all.
    static func corpus(seed: UInt64, lines: Int, maxLineBytes: Int) -> [UInt8] {
        var g = Generator(state: seed)
        var out = ""
        for i in 0..<lines {
            let client = g.below(4) == 0 ? g.ipv6() : g.ipv4()
            let query = g.pick([
                "", "?page=\(g.below(40))", "?email=jo.\(g.below(999))%40example.com&ref=\(g.ipv4())",
                "?token=\(String(g.next(), radix: 36))&q=shoes",
                "?u=https%3A%2F%2Fexample.org%2F%3Fuid%3D\(g.below(9999))",
                "?next=/login?session_id=\(String(g.next(), radix: 16))",
            ])
            let referrer = g.pick(["-", "https://www.google.com/", "https://example.com/?from=\(g.ipv4())"])
            let ending = g.below(10) == 0 ? "\r\n" : "\n"
            switch g.below(40) {
            case 0:
                out += "upstream \(g.ipv4()) sent garbage for \(g.ipv6()) at line \(i)\(ending)"
            case 1:
                out += "\n"
            case 2, 3:
                // Longer than the limit: cut into pieces, sometimes across reads and batches.
                let length = maxLineBytes + g.below(maxLineBytes * 4)
                var long = "\(client) - - [27/Nov/2026:10:00:00 +0000] \"GET /long?"
                while long.utf8.count < length {
                    long += g.pick(["a=\(g.ipv4())&", "mail=x\(g.below(99))@example.net&", "pad=\(g.next())&"])
                }
                out += long + "\" 200 1 \"-\" \"x\"" + ending
            default:
                out +=
                    "\(client) - - [27/Nov/2026:10:\(String(format: "%02d", g.below(60))):00 +0100] "
                    + "\"GET /p/\(g.below(500))\(query) HTTP/1.1\" \(g.pick([200, 301, 404, 500])) \(g.below(90000)) "
                    + "\"\(referrer)\" \"Mozilla/5.0 (\(g.ipv4()))\"" + ending
            }
        }
        if g.below(2) == 0, out.hasSuffix("\n") { out.removeLast() }  // a last line without its newline
        return Array(out.utf8)
    }

    /// The IPv4 addresses of the input (the needles for a leak: the output holds pseudonyms, never these).
    static func rawAddresses(in input: [UInt8]) -> Set<String> {
        let text = String(decoding: input, as: UTF8.self)
        let pattern = try! NSRegularExpression(pattern: #"(?<![0-9.])[0-9]{1,3}(\.[0-9]{1,3}){3}(?![0-9.])"#)
        let range = NSRange(text.startIndex..., in: text)
        return Set(pattern.matches(in: text, range: range).map { String(text[Range($0.range, in: text)!]) })
    }

    /// A sink that keeps each block apart (the blocks of a gzip output are its members).
    final class BlockSink: OutputSink {
        var blocks: [[UInt8]] = []
        var bytesWritten: Int { blocks.reduce(0) { $0 + $1.count } }
        func write(_ block: [UInt8]) throws(LogonymIOError) { blocks.append(block) }
        func finish() throws(LogonymIOError) {}
        func abandon() {}
    }

    /// A source that reads `bytes` in steps and then fails, as damaged gzip does.
    final class DamagedSource: ByteSource {
        let inner: ChoppedSource
        var position: Int { inner.position }
        var size: Int? { inner.size }
        var isGzip: Bool { true }

        init(_ bytes: [UInt8], step: Int) { inner = ChoppedSource(bytes, step: step) }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
            let n = try inner.read(into: buffer)
            if n == 0 { throw LogonymIOError(code: .corruptGzip, path: "damaged.gz", message: "invalid block type") }
            return n
        }
    }

    struct Run {
        var blocks: [[UInt8]]
        var counters: RunCounters
        var bytesIn: Int
        var linesEnd: Int?
        var failed: Bool
        /// Lines the replicas processed (before their counters went to the first processor).
        var replicaLines: [Int]
    }

    static func run(
        _ input: [UInt8],
        threads: Int,
        step: Int,
        damaged: Bool = false,
        maxLineBytes: Int,
        chunkSize: Int,
        flushBytes: Int,
        format: InputFormat = .text(.combined)
    ) throws -> Run {
        let key = PseudonymKey(bytes: Array(repeating: 7, count: 32))!
        let factory = ProcessorFactory(
            keys: .one(Anonymizer(method: .hmac, key: key)),
            outputFormat: .same,
            unparsablePolicy: .scrub,
            scrub: ScrubSettings(),
            geo: { nil }
        )
        let pump = LinePump(maxLineBytes: maxLineBytes, chunkSize: chunkSize, flushBytes: flushBytes)
        let sink = BlockSink()
        var replicas: [LineProcessor] = []
        let source: any ByteSource = damaged ? DamagedSource(input, step: step) : ChoppedSource(input, step: step)
        let (processor, outcome) = try pump.pump(
            source,
            to: sink,
            wantsSample: false,
            threads: threads,
            makeProcessor: { _ in factory.make(format) },
            replicate: { first in
                let replica = factory.replica(of: first)
                if let replica { replicas.append(replica) }
                return replica
            }
        )
        let replicaLines = replicas.map { $0.counters.linesRead }
        try pump.flush(to: sink)
        return Run(
            blocks: sink.blocks,
            counters: processor?.counters ?? RunCounters(),
            bytesIn: outcome.bytesIn,
            linesEnd: outcome.linesEnd,
            failed: outcome.error != nil,
            replicaLines: replicaLines
        )
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func manyThreadsGiveTheBlocksCountersAndOutcomeOfOne(seed: UInt64) throws {
        var g = Generator(state: seed ^ 0xABCDEF)
        let maxLineBytes = g.pick([64, 200, 1024])
        let input = Self.corpus(seed: seed, lines: 3000, maxLineBytes: maxLineBytes)
        let chunkSize = g.pick([2048, 8192, 65536])
        let flushBytes = g.pick([512, 4096, 50000])
        for step in [997, 4096, 1 << 20] {
            let damaged = g.below(3) == 0
            let one = try Self.run(
                input,
                threads: 1,
                step: step,
                damaged: damaged,
                maxLineBytes: maxLineBytes,
                chunkSize: chunkSize,
                flushBytes: flushBytes
            )
            #expect(one.counters.linesRead > 2900)
            let leaked = Self.rawAddresses(in: input).intersection(Self.rawAddresses(in: Array(one.blocks.joined())))
            #expect(leaked.isEmpty, "step \(step), max \(maxLineBytes), chunk \(chunkSize): \(leaked.sorted())")
            let mails =
                String(decoding: one.blocks.joined(), as: UTF8.self).components(separatedBy: "@example.net").count - 1
            #expect(mails == 0, "step \(step), max \(maxLineBytes), chunk \(chunkSize): \(mails) e-mail addresses kept")
            if !leaked.isEmpty || mails > 0 {
                try? Data(input).write(to: URL(fileURLWithPath: "/tmp/leak-\(seed).log"))
            }
            #expect(one.counters.tooLong > 0, "the corpus has overlong lines")
            for threads in [2, 3, 4] {
                let many = try Self.run(
                    input,
                    threads: threads,
                    step: step,
                    damaged: damaged,
                    maxLineBytes: maxLineBytes,
                    chunkSize: chunkSize,
                    flushBytes: flushBytes
                )
                let context = "seed \(seed), step \(step), \(threads) threads, damaged \(damaged)"
                #expect(many.blocks == one.blocks, "\(context)")
                #expect(many.counters == one.counters, "\(context)")
                #expect(many.bytesIn == one.bytesIn && many.linesEnd == one.linesEnd && many.failed == one.failed)
                // The lines really were shared out (every lane gets some in ``jsonLinesToo()``; here batches wait
                // for the end of overlong lines, so a small input may make fewer batches than lanes).
                #expect(many.replicaLines.count == threads - 1, "\(context)")
                #expect(many.replicaLines.reduce(0, +) > 0, "\(context): \(many.replicaLines)")
            }
        }
    }

    /// A chunk of short lines is a great many lines: a batch holds where its lines lie, not an entry per line (a
    /// batch of half a chunk of empty lines once held a quarter of a million events, and memory grew with the lanes).
    @Test func shortLinesAreSharedOutWithoutAnEntryPerLine() throws {
        var g = Generator(state: 5)
        var text = ""
        for _ in 0..<300_000 {
            text += g.pick(["\n", "\r\n", "\(g.ipv4())\n", "x \(g.ipv6()) y\n", "-\n"])
        }
        let input = Array(text.utf8)
        let one = try Self.run(
            input,
            threads: 1,
            step: 1 << 20,
            maxLineBytes: 4096,
            chunkSize: 1 << 20,
            flushBytes: 65536
        )
        let many = try Self.run(
            input,
            threads: 3,
            step: 1 << 20,
            maxLineBytes: 4096,
            chunkSize: 1 << 20,
            flushBytes: 65536
        )
        #expect(one.counters.linesRead == 300_000)
        #expect(many.blocks == one.blocks)
        #expect(many.counters == one.counters)
        // Three chunks of lines, each cut into batches of about a quarter of one: every lane gets some.
        #expect(many.replicaLines.allSatisfy { $0 > 0 }, "\(many.replicaLines)")
    }

    @Test func jsonLinesToo() throws {
        var g = Generator(state: 99)
        var text = ""
        for i in 0..<4000 {
            text +=
                #"{"remote_addr":"\#(g.below(3) == 0 ? g.ipv6() : g.ipv4())","time_local":"27/Nov/2026:10:00:00 +0000","#
                + #""request":"GET /\#(i)?email=a\#(i)@example.com HTTP/1.1","status":200,"#
                + #""http_x_forwarded_for":"\#(g.ipv4()), \#(g.ipv6())"}"# + "\n"
        }
        let input = Array(text.utf8)
        let json = InputFormat.json(JSONLineFormat())
        let one = try Self.run(
            input,
            threads: 1,
            step: 3000,
            maxLineBytes: 4096,
            chunkSize: 16384,
            flushBytes: 8192,
            format: json
        )
        let many = try Self.run(
            input,
            threads: 3,
            step: 3000,
            maxLineBytes: 4096,
            chunkSize: 16384,
            flushBytes: 8192,
            format: json
        )
        #expect(one.counters.linesWritten == 4000)
        #expect(many.blocks == one.blocks)
        #expect(many.counters == one.counters)
        #expect(many.replicaLines.allSatisfy { $0 > 0 })
    }

    @Test func aW3CLogStaysOnOneThread() throws {
        // A `#Fields:` directive changes how the lines after it parse, so the lines are not shared out.
        let key = PseudonymKey(bytes: Array(repeating: 7, count: 32))!
        let factory = ProcessorFactory(
            keys: .one(Anonymizer(method: .hmac, key: key)),
            outputFormat: .same,
            unparsablePolicy: .scrub,
            scrub: nil,
            geo: { nil }
        )
        #expect(factory.replica(of: factory.make(.text(.w3cDefault))) == nil)
        #expect(factory.replica(of: factory.make(.text(.combined))) != nil)
    }

    /// An input that fits in one batch runs on one lane whatever `threads` says, yet every other lane's processor
    /// (anonymizer, scrub stage with its URL caches of 2.5 MB, a geo tagger with a 2^18-slot cache) is made for it
    /// first, per input (with the lanes' queues). Measured with the CLI over 2,188 files of 5 combined lines, `--geo logonym-test.mmdb`:
    /// `--threads 1` 0.48 s, the default on 2 CPUs (2) 2.24 s, 4: 3.47 s, 16: 16.65 s (193 MB); over 269 files
    /// of 20 lines, 64 threads: 8.2 s and 693 MB against 0.08 s and 40 MB (the default is one per CPU).
    @Test func anInputOfOneBatchMakesNoReplica() throws {
        let input = Self.corpus(seed: 11, lines: 20, maxLineBytes: 4096)
        let factory = ProcessorFactory(
            keys: .one(Anonymizer(method: .truncate)),
            outputFormat: .same,
            unparsablePolicy: .scrub,
            scrub: ScrubSettings(),
            geo: { nil }
        )
        let pump = LinePump(maxLineBytes: 4096, chunkSize: 1 << 20, flushBytes: 1 << 20)
        var made = 0
        let (processor, _) = try pump.pump(
            ChoppedSource(input, step: 1 << 20),
            to: BlockSink(),
            wantsSample: false,
            threads: 8,
            makeProcessor: { _ in factory.make(.text(.combined)) },
            replicate: { first in
                made += 1
                return factory.replica(of: first)
            }
        )
        #expect(processor?.counters.linesRead ?? 0 >= 20)
        #expect(made == 0, "\(made) replicas made for an input of \(input.count) bytes (one batch: one lane)")
    }
}
