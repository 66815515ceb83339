#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a batch input file is recognised across runs: by keyed hashes of what it holds (its first decoded bytes,
/// the decoded bytes before a committed offset, its last bytes on disk), never by its path or inode, and without
/// storing any of its bytes.
///
/// Every hash of batch input content is made here, under the state database's fingerprint key (as the daemon's
/// ``Fingerprints``), so that a change of how those hashes are made is a change of this one type.
struct BatchFileIdentity {
    /// Decoded bytes of the head that identify a file (fewer only while the file is shorter).
    static let headLength = Fingerprints.headLength
    /// Bytes before an offset, or at the end of the file on disk, that are hashed to check it.
    static let tailLength = Fingerprints.tailLength

    let fingerprints: Fingerprints

    init(key: [UInt8]) {
        fingerprints = Fingerprints(key: key)
    }

    /// The first decoded bytes of a file (up to ``headLength``); `nil` when it cannot be read.
    func head(of path: String) -> [UInt8]? {
        Fingerprints.head(of: path, count: Self.headLength)?.bytes
    }

    /// The hash of the first `length` bytes of `head`.
    func headHash(_ head: [UInt8], length: Int) -> [UInt8] {
        precondition(length <= head.count, "a head hash needs that many bytes")
        return fingerprints.hash(head[0..<length])
    }

    /// The hash of the bytes before an offset (the last ``tailLength`` of `before`).
    func tailHash(_ before: [UInt8]) -> [UInt8] {
        fingerprints.hash(before.suffix(Self.tailLength))
    }

    /// The hash of the last bytes on disk of a file `size` bytes long; `nil` when they cannot be read.
    func rawTail(of file: FileByteSource, size: Int64) -> [UInt8]? {
        let from = max(0, size - Int64(Self.tailLength))
        var bytes = [UInt8](repeating: 0, count: Int(size - from))
        let n = bytes.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, $0.count, off_t(from)) }
        return n == bytes.count ? fingerprints.hash(bytes[...]) : nil
    }

    /// The decoded bytes `from..<to` of a plain file, read in place; `nil` when it is shorter.
    static func plainBytes(of file: FileByteSource, from: Int64, to: Int64) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: Int(to - from))
        let n = bytes.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, $0.count, off_t(from)) }
        return n == bytes.count ? bytes : nil
    }
}
