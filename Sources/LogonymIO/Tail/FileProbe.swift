import LogonymCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `stat(2)` says of a file, and how files are told apart across renames, compression and restarts.
struct FileProbe: Equatable {
    var dev: UInt64
    var ino: UInt64
    var size: Int64
    /// Modification time in nanoseconds since the epoch.
    var mtime: Int64
    var isRegular: Bool
    /// Hard links: 0 once the file was deleted (while it is still open).
    var links: UInt64 = 1

    /// Stats a path (following symlinks).
    static func path(_ path: String) -> FileProbe? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileProbe(info)
    }

    /// Stats an open descriptor.
    static func descriptor(_ fd: Int32) -> FileProbe? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return FileProbe(info)
    }

    /// When the file at `path` was created (nanoseconds since the epoch), where the file system records it (ext4,
    /// XFS, Btrfs: `statx(2)`'s `stx_btime`); `nil` elsewhere. An inode number is reused as soon as its file is
    /// deleted; a birth time tells a new file on an old inode from the file that had it.
    static func birthTime(_ path: String) -> Int64? {
        guard let statx = Self.statx else { return nil }
        // struct statx (linux/stat.h): stx_mask at 0, stx_btime (tv_sec: Int64, tv_nsec: UInt32) at 80.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        let statxBirthTime: UInt32 = 0x800
        guard statx(AT_FDCWD, path, 0, statxBirthTime, buffer) == 0,
            buffer.load(as: UInt32.self) & statxBirthTime != 0
        else { return nil }
        let seconds = buffer.load(fromByteOffset: 80, as: Int64.self)
        let nanoseconds = buffer.load(fromByteOffset: 88, as: UInt32.self)
        return seconds * 1_000_000_000 + Int64(nanoseconds)
    }

    private typealias StatxFunction =
        @convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32

    /// glibc's `statx` (2.28 and later), looked up at run time: Swift's Glibc module does not declare it.
    private static let statx: StatxFunction? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "statx") else { return nil }
        return unsafeBitCast(symbol, to: StatxFunction.self)
    }()

    init(_ info: stat) {
        dev = UInt64(info.st_dev)
        ino = UInt64(info.st_ino)
        size = Int64(info.st_size)
        mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        isRegular = (info.st_mode & S_IFMT) == S_IFREG
        links = UInt64(info.st_nlink)
    }

    init(dev: UInt64, ino: UInt64, size: Int64, mtime: Int64, isRegular: Bool) {
        self.dev = dev
        self.ino = ino
        self.size = size
        self.mtime = mtime
        self.isRegular = isRegular
    }
}

/// Keyed hashes of a file's first bytes (its fingerprint) and of the bytes before a committed offset (its tail):
/// they recognise a renamed or compressed file and catch truncation, rewrites and inode reuse, without storing
/// log content.
struct Fingerprints {
    /// Bytes of the head that make the fingerprint (fewer while the file is shorter).
    static let headLength = 1024
    /// Bytes before the committed offset that make the tail hash.
    static let tailLength = 256

    let key: [UInt8]

    func hash(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        HMACPseudonym.hmacSHA256(key: key, message: Array(bytes))
    }

    /// The fingerprint of the first `length` decoded bytes of the file at `path`: `nil` when it cannot be read,
    /// empty (matching no fingerprint) when it is shorter than `length`.
    func fingerprint(of path: String, length: Int) -> [UInt8]? {
        guard let head = Self.head(of: path, count: length) else { return nil }
        return head.bytes.count == length ? hash(head.bytes[...]) : []
    }

    /// The fingerprint of the first `length` bytes of an open plain file (through its descriptor, so a rename of
    /// the path does not matter); `nil` when it is shorter or cannot be read.
    func fingerprint(ofDescriptor fd: Int32, length: Int) -> [UInt8]? {
        var head = [UInt8](repeating: 0, count: length)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return n == length ? hash(head[...]) : nil
    }

    /// The first `count` decoded bytes of a file (plain or gzip), or fewer if it is shorter.
    static func head(of path: String, count: Int) -> (bytes: [UInt8], isGzip: Bool)? {
        guard let source = try? InputOpener.open(path) else { return nil }
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        defer { buffer.deallocate() }
        while bytes.count < count {
            guard
                let n = try? source.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(count - bytes.count)])
                ),
                n > 0
            else { break }
            bytes += buffer.prefix(n)
        }
        return (bytes, source.isGzip)
    }

    /// The decoded bytes `from..<to` of a file (plain or gzip), if it has them. A plain file is read at the range
    /// itself; only gzip has to be inflated from its start.
    static func bytes(of path: String, from: Int64, to: Int64) -> [UInt8]? {
        guard to >= from, let source = try? InputOpener.open(path) else { return nil }
        if !source.isGzip, let plain = source as? PrefixedByteSource {
            var out = [UInt8](repeating: 0, count: Int(to - from))
            let n = out.withUnsafeMutableBytes { pread(plain.source.fd, $0.baseAddress, $0.count, off_t(from)) }
            return n == out.count ? out : nil
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        var position: Int64 = 0
        var out: [UInt8] = []
        while position < to {
            guard let n = try? source.read(into: buffer), n > 0 else { return nil }
            let chunkEnd = position + Int64(n)
            if chunkEnd > from {
                let lower = Int(max(from, position) - position)
                let upper = Int(min(to, chunkEnd) - position)
                out += buffer[lower..<upper]
            }
            position = chunkEnd
        }
        return out
    }
}
