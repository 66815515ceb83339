import Glibc
public import LogonymCore

/// Opens an input by path (`-` for standard input) and recognises gzip by its magic bytes, not its name.
public enum InputOpener: Sendable {
    /// Opens `path`; a gzip stream is inflated transparently, on a thread of its own with `readAhead` (for reading
    /// a whole input; a probe that reads a few bytes does without).
    ///
    /// - Parameter limit: read the file's first `limit` bytes only (a segment up to its committed length).
    /// - Throws: ``LogonymIOError`` when the input cannot be opened or read.
    public static func open(
        _ path: String,
        readAhead: Bool = false,
        limit: Int? = nil
    ) throws(LogonymIOError) -> any ByteSource {
        let file = path == "-" ? FileByteSource(descriptor: 0, path: "-") : try FileByteSource(path: path)
        file.limit = limit
        // Read the first two bytes to look for the gzip magic; short reads (pipes) are retried.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2, alignment: 1)
        defer { scratch.deallocate() }
        var got = 0
        while got < 2 {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[got...]))
            if n == 0 { break }
            got += n
        }
        let head = Array(scratch.prefix(got))
        if got == 2 && head[0] == 0x1F && head[1] == 0x8B {
            return GzipByteSource(source: file, prefix: head, readAhead: readAhead)
        }
        return PrefixedByteSource(prefix: head, source: file)
    }
}

/// Bytes read ahead of a source, handed out before it is read on.
struct ReadAhead {
    private var bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func removeAll() {
        bytes.removeAll()
    }

    /// Copies what is left of them into `buffer` (as much as fits); `nil` once none are left.
    mutating func take(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard !bytes.isEmpty else { return nil }
        let n = min(bytes.count, buffer.count)
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        bytes.removeFirst(n)
        return n
    }
}

/// A source that returns some bytes already read before reading on.
final class PrefixedByteSource: ByteSource {
    private var prefix: ReadAhead
    let source: FileByteSource

    init(prefix: [UInt8], source: FileByteSource) {
        self.prefix = ReadAhead(prefix)
        self.source = source
    }

    var position: Int { source.position }
    var size: Int? { source.size }
    var isGzip: Bool { false }

    /// Drops the bytes read ahead, after the descriptor was positioned by the caller.
    func discardPrefix() {
        prefix.removeAll()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        if let n = prefix.take(into: buffer) { return n }
        return try source.read(into: buffer)
    }
}

extension InputOpener {
    /// The first line of an age v1 file.
    static let ageVersionLine = Array("age-encryption.org/v1\n".utf8)

    /// Opens an output segment: plain, gzip, or encrypted with age (recognised by its first line, whatever its
    /// name) and then plain or gzip inside. `identities` is asked only for an encrypted segment.
    ///
    /// - Parameters:
    ///   - limit: read the file's first `limit` bytes only (its committed length).
    ///   - decompress: `false` hands out a gzip segment's bytes as stored (decrypted if need be), not its lines.
    ///   - decryptedLimit: of an encrypted segment, read the first `decryptedLimit` decrypted bytes only (what a
    ///     plain segment's committed length was before it was sealed).
    /// - Throws: ``LogonymIOError`` when the segment cannot be opened; ``LogonymIOError/Code/noIdentity`` when it is
    ///   encrypted and no identity given opens it (on the first read at the latest).
    public static func openSegment(
        _ path: String,
        limit: Int? = nil,
        readAhead: Bool = false,
        decompress: Bool = true,
        decryptedLimit: Int64? = nil,
        identities: () throws(LogonymIOError) -> [AgeIdentity]
    ) throws(LogonymIOError) -> any ByteSource {
        let file = try FileByteSource(path: path)
        file.limit = limit
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: ageVersionLine.count, alignment: 1)
        defer { scratch.deallocate() }
        var got = 0
        while got < scratch.count {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[got...]))
            if n == 0 { break }
            got += n
        }
        let head = Array(scratch.prefix(got))
        if head == ageVersionLine {
            let age = AgeByteSource(source: file, prefix: head, identities: try identities())
            let inner: any ByteSource = decryptedLimit.map { CappedByteSource(age, limit: $0) } ?? age
            if decompress, try age.peek(2) == [0x1F, 0x8B] {
                return GzipByteSource(file: file, reading: inner, prefix: [], readAhead: readAhead)
            }
            return inner
        }
        if path.hasSuffix(".age") {
            // Named encrypted but not an age v1 file (armoured, another line ending, or plain under an .age name):
            // refused, so that plaintext under an encrypted name is never taken for what it claims to be.
            let armoured = head.starts(with: Array("-----BEGIN AGE".utf8))
            throw LogonymIOError(
                code: .readFailed,
                path: path,
                message: armoured
                    ? "an armoured age file; logonym reads binary age files (age -d reads this one)"
                    : "named .age but does not begin with the age-encryption.org/v1 header line"
            )
        }
        if decompress && head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B {
            return GzipByteSource(source: file, prefix: head, readAhead: readAhead)
        }
        return PrefixedByteSource(prefix: head, source: file)
    }
}
