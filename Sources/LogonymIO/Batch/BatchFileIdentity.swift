import Glibc

/// How a batch input file is recognised across runs: by keyed hashes of what it holds (its first decoded bytes,
/// the decoded bytes before a committed offset, its last bytes on disk), never by its path or inode, and without
/// storing any of its bytes.
///
/// Every hash of batch input content is made here, under the state database's fingerprint key (as the daemon's
/// ``Fingerprints``), so that a change of how those hashes are made is a change of this one type.
struct BatchFileIdentity {
    /// Decoded bytes read to identify a file (fewer only when the file is shorter).
    static let headLength = Fingerprints.headReadLength
    /// Bytes before an offset, or at the end of the file on disk, that are hashed to check it.
    static let tailLength = Fingerprints.tailLength

    let fingerprints: Fingerprints

    init(key: [UInt8]) {
        fingerprints = Fingerprints(key: key)
    }

    /// The first decoded bytes of a file (``Fingerprints/headBytes(of:)``); `nil` when it cannot be read.
    func head(of path: String) -> [UInt8]? {
        Fingerprints.headBytes(of: path)
    }

    /// Whether `head` (from ``head(of:)``) is a whole file: fewer bytes than were asked for.
    static func isWholeFile(_ head: [UInt8]) -> Bool {
        head.count < (head.count > headLength ? Fingerprints.headLongReadLength : headLength)
    }

    /// The hash of `length` bytes of the head whose first raw bytes are `head` (as ``Fingerprints/scheme``
    /// `scheme` makes it); empty when it has fewer. A head shorter than ``headLength`` is a whole file.
    func headHash(_ head: [UInt8], length: Int, scheme: Int = Fingerprints.scheme) -> [UInt8] {
        fingerprints.fingerprint(
            ofRaw: head[...],
            length: length,
            scheme: scheme,
            partialLine: Self.isWholeFile(head)
        )
    }

    /// The longest hash of the head whose first raw bytes are `head`, and its length (in masked bytes).
    func headHash(_ head: [UInt8]) -> (hash: [UInt8], length: Int) {
        fingerprints.fingerprint(ofRaw: head[...], partialLine: Self.isWholeFile(head))
    }

    /// The hash of the bytes before an offset (the last ``tailLength`` of `before`).
    func tailHash(_ before: [UInt8], scheme: Int = Fingerprints.scheme) -> [UInt8] {
        fingerprints.tailHash(before.suffix(Self.tailLength), scheme: scheme)
    }

    /// The hash of the last bytes on disk of a file `size` bytes long; `nil` when they cannot be read.
    func rawTail(of file: FileByteSource, size: Int64, scheme: Int = Fingerprints.scheme) -> [UInt8]? {
        let from = max(0, size - Int64(Self.tailLength))
        var bytes = [UInt8](repeating: 0, count: Int(size - from))
        let n = bytes.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, $0.count, off_t(from)) }
        return n == bytes.count ? fingerprints.tailHash(bytes[...], scheme: scheme) : nil
    }

    /// The decoded bytes `from..<to` of a plain file, read in place; `nil` when it is shorter.
    static func plainBytes(of file: FileByteSource, from: Int64, to: Int64) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: Int(to - from))
        let n = bytes.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, $0.count, off_t(from)) }
        return n == bytes.count ? bytes : nil
    }
}
