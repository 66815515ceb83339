/// Where processed bytes go.
public protocol OutputSink: AnyObject {
    /// Writes one block of complete lines.
    func write(_ block: [UInt8]) throws(LogonymIOError)
    /// Flushes everything, makes the output durable and puts it in place.
    func finish() throws(LogonymIOError)
    /// Gives up: a temporary file is removed, nothing is put in place.
    func abandon()
    /// Bytes handed to the underlying file so far (compressed bytes for gzip).
    var bytesWritten: Int { get }
    /// Writes complete lines where how they are cut into blocks changes nothing (a plain file), without a copy;
    /// `false` when the blocks matter (each is a gzip member), and then the caller gives blocks to ``write(_:)``.
    func writeUnblocked(_ bytes: UnsafeRawBufferPointer) throws(LogonymIOError) -> Bool
}

extension OutputSink {
    public func writeUnblocked(_ bytes: UnsafeRawBufferPointer) throws(LogonymIOError) -> Bool { false }
}
