/// A stream of decoded input bytes.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 at the end of the input.
    ///
    /// - Throws: ``LogonymIOError`` on a read failure or damaged compressed data; bytes decoded before the damage
    ///   have been returned by earlier calls.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int

    /// How far into the underlying file reading has come (compressed bytes for gzip), for progress.
    var position: Int { get }

    /// The size of the underlying file, if it is a regular file.
    var size: Int? { get }

    /// Whether the input is gzip-compressed.
    var isGzip: Bool { get }
}
