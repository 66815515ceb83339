/// The first `limit` bytes of a source (a sealed segment's, as committed before it was sealed).
final class CappedByteSource: ByteSource {
    private let source: any ByteSource
    private var left: Int64

    init(_ source: any ByteSource, limit: Int64) {
        self.source = source
        left = limit
    }

    var position: Int { source.position }
    var size: Int? { source.size }
    var isGzip: Bool { source.isGzip }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogonymIOError) -> Int {
        guard left > 0, buffer.count > 0 else { return 0 }
        let want = Int(min(Int64(buffer.count), left))
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        left -= Int64(n)
        return n
    }
}
