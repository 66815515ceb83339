import LogonymCore

/// Decrypts an age file read from a ``FileByteSource`` (an encrypted segment), handing out each chunk's plaintext
/// once it is authenticated. The end of the file is checked: one cut short, changed or reordered fails with the
/// file's path and how far it was read; bytes before the damage have been returned by earlier calls.
final class AgeByteSource: ByteSource {
    let source: FileByteSource
    private let decryptor: AgeDecryptor
    private let input: UnsafeMutableRawBufferPointer
    private var plain: [UInt8] = []
    private var offset = 0
    private var ended = false
    /// The age bytes already read (the format check).
    private var prefix: [UInt8]

    var position: Int { source.position }
    var size: Int? { source.size }
    var isGzip: Bool { false }

    init(source: FileByteSource, prefix: [UInt8], identities: [AgeIdentity]) {
        self.source = source
        self.prefix = prefix
        decryptor = AgeDecryptor(identities: identities)
        input = .allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit {
        input.deallocate()
    }

    /// The first `count` plaintext bytes (fewer if the file holds fewer), left to be read.
    func peek(_ count: Int) throws(LogonymIOError) -> [UInt8] {
        while plain.count - offset < count && !ended {
            let before = Array(plain[offset...])
            plain = []
            offset = 0
            try fill()
            plain = before + plain
        }
        return Array(plain[offset..<min(plain.count, offset + count)])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while offset == plain.count {
            if ended { return 0 }
            plain.removeAll(keepingCapacity: true)
            offset = 0
            try fill()
        }
        let n = min(buffer.count, plain.count - offset)
        plain.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
        offset += n
        return n
    }

    /// Reads on and appends what decrypts to `plain` (possibly nothing: a chunk is held until more follows).
    private func fill() throws(LogonymIOError) {
        var n = -1
        if prefix.isEmpty {
            n = try source.read(into: input)
        }
        do throws(AgeError) {
            if n < 0 {
                try decryptor.update(prefix, into: &plain)
                prefix = []
            } else if n == 0 {
                ended = true
                try decryptor.finish(into: &plain)
            } else {
                try decryptor.update(UnsafeRawBufferPointer(rebasing: input[0..<n]), into: &plain)
            }
        } catch {
            ended = true
            throw LogonymIOError(
                code: error.code == .noMatch ? .noIdentity : .decryptFailed,
                path: source.path,
                message: error.code == .noMatch
                    ? error.message : "\(error.message) (encrypted byte offset \(source.position))"
            )
        }
    }
}

@available(*, unavailable)
extension AgeByteSource: Sendable {}
