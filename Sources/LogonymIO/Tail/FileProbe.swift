import Glibc
import LogonymCore

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
///
/// What is hashed is the bytes with every span that may be personal masked (``PersonalDataMask``): the key sits
/// in the same database, and the output shows every other byte of those lines, so a hash of the raw bytes would
/// give the addresses back to a search over candidates. Nor may where a hash starts or ends depend on how long a
/// masked span was (the number of digits of an address would show): lengths are counted in masked bytes. A head is
/// the first ``headLength`` masked bytes of a file (its whole lines while it is shorter), and its length is stored
/// in masked bytes; a tail is the last ``tailHashLength`` masked bytes of the whole lines among the
/// ``tailLength`` raw bytes before the offset (of all of them, less the word they start inside, when they are all
/// one line).
struct Fingerprints {
    /// How hashes are made now: scheme 2 hashes masked bytes. Scheme 1 (raw bytes: the first 1 KiB, the 256 bytes
    /// before the offset) is only read, to recognise the files recorded before; each is hashed again once found.
    static let scheme = 2

    /// Masked bytes of a file's head that make its fingerprint (fewer while the file is shorter).
    static let headLength = 512
    /// Raw bytes read to make a head; up to ``headLongReadLength`` when those hold no whole line.
    static let headReadLength = 4096
    static let headLongReadLength = 64 * 1024
    /// Raw bytes before the committed offset kept for the tail hash.
    static let tailLength = 4096
    /// Masked bytes before the committed offset that the tail hash covers.
    static let tailHashLength = 256
    /// Masked bytes beyond a head that must be there before the head is taken without waiting for whole lines (where
    /// a read stopped moves with the lengths of the masked spans before it).
    static let margin = 64
    /// Scheme 1's lengths (raw bytes).
    static let legacyHeadLength = 1024
    static let legacyTailLength = 256

    let key: [UInt8]

    /// The bytes a fingerprint is made of, from a file's first raw bytes: their masked form, up to ``headLength``
    /// bytes. Unless the bytes are a whole file (`partialLine`: a batch input read to its end), the word where the
    /// read stopped is left out (how it is masked can change as it goes on, and where it stops depends on the
    /// lengths of what came before), and when fewer than ``headLength`` masked bytes are sure, only whole lines: a
    /// head is then a prefix of every later one. A first line that has not ended gives none (the first words of a
    /// line, masked, are the same in every file of a server: `\0 - - [`), so such a file is recognised as an empty
    /// one is; nothing of it was read either.
    static func maskedHead(_ raw: ArraySlice<UInt8>, partialLine: Bool = false) -> [UInt8] {
        if partialLine {
            return Array(raw.withUnsafeBufferPointer { PersonalDataMask.masked($0) }.prefix(headLength))
        }
        let words =
            raw.lastIndex(where: PersonalDataMask.isWordBoundary).map { raw[...$0] }
            ?? raw[raw.startIndex..<raw.startIndex]
        let masked = words.withUnsafeBufferPointer { PersonalDataMask.masked($0) }
        if masked.count >= headLength + margin { return Array(masked.prefix(headLength)) }
        guard let newline = masked.lastIndex(of: 0x0A) else { return [] }
        return Array(masked.prefix(min(newline + 1, headLength)))
    }

    /// A head's longest fingerprint now and its length (in masked bytes; 0 for a file that has no whole line yet).
    func fingerprint(ofRaw raw: ArraySlice<UInt8>, partialLine: Bool = false) -> (hash: [UInt8], length: Int) {
        let head = Self.maskedHead(raw, partialLine: partialLine)
        return (HMACPseudonym.hmacSHA256(key: key, message: head), head.count)
    }

    /// The fingerprint of `length` bytes of a head (scheme 2: of its masked form; scheme 1: of its raw bytes), from
    /// its first raw bytes; empty (matching no fingerprint) when they give fewer.
    func fingerprint(
        ofRaw raw: ArraySlice<UInt8>,
        length: Int,
        scheme: Int = Fingerprints.scheme,
        partialLine: Bool = false
    ) -> [UInt8] {
        if scheme == 1 {
            return raw.count >= length ? HMACPseudonym.hmacSHA256(key: key, message: Array(raw.prefix(length))) : []
        }
        let head = Self.maskedHead(raw, partialLine: partialLine)
        return head.count >= length ? HMACPseudonym.hmacSHA256(key: key, message: Array(head.prefix(length))) : []
    }

    /// The keyed hash of the bytes before an offset (up to ``tailLength`` of them).
    func tailHash(_ bytes: ArraySlice<UInt8>, scheme: Int = Fingerprints.scheme) -> [UInt8] {
        guard scheme != 1 else {
            return HMACPseudonym.hmacSHA256(key: key, message: Array(bytes.suffix(Self.legacyTailLength)))
        }
        // Whole lines only (the first may be cut anywhere: inside a query string, a number, an escape), unless the
        // bytes are all one line; then the word they start inside goes.
        let lines = bytes.dropLast().firstIndex(of: 0x0A).map { bytes[($0 + 1)...] }
        let masked =
            lines.map { whole in whole.withUnsafeBufferPointer { PersonalDataMask.masked($0) } }
            ?? bytes.withUnsafeBufferPointer { PersonalDataMask.masked($0, cutAtStart: true) }
        return HMACPseudonym.hmacSHA256(key: key, message: Array(masked.suffix(Self.tailHashLength)))
    }

    /// The raw bytes a head is made from, `read(count)` giving the first `count` (or fewer when that is all): the
    /// first ``headReadLength``, or more when those hold no whole line (a long first line, whose masked form could
    /// be too short to recognise the file by).
    static func headBytes(_ read: (Int) -> [UInt8]?) -> [UInt8]? {
        guard let first = read(headReadLength) else { return nil }
        guard first.count == headReadLength, !first.contains(0x0A) else { return first }
        return read(headLongReadLength) ?? first
    }

    /// The (up to ``tailLength``) decoded bytes before `offset` of the file at `path`, which its tail hash is made
    /// of; `nil` when it does not have them.
    static func bytes(before offset: Int64, of path: String) -> [UInt8]? {
        bytes(of: path, from: max(0, offset - Int64(tailLength)), to: offset)
    }

    /// ``headBytes(_:)`` of the file at `path`.
    static func headBytes(of path: String) -> [UInt8]? {
        headBytes { head(of: path, count: $0)?.bytes }
    }

    /// The length of a complete head under `scheme` (a shorter one belongs to a file that was shorter).
    static func fullHeadLength(scheme: Int) -> Int {
        scheme == 1 ? legacyHeadLength : headLength
    }

    /// The fingerprint of `length` bytes of the head of the file at `path`: `nil` when it cannot be read, empty
    /// (matching no fingerprint) when it is shorter.
    func fingerprint(of path: String, length: Int, scheme: Int = Fingerprints.scheme) -> [UInt8]? {
        let head = scheme == 1 ? Self.head(of: path, count: Self.legacyHeadLength)?.bytes : Self.headBytes(of: path)
        guard let head else { return nil }
        return fingerprint(ofRaw: head[...], length: length, scheme: scheme)
    }

    /// The fingerprint of `length` bytes of the head of an open plain file (through its descriptor, so a rename of
    /// the path does not matter); `nil` when it is shorter or cannot be read.
    func fingerprint(ofDescriptor fd: Int32, length: Int) -> [UInt8]? {
        let head = Self.headBytes { count in
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            return n >= 0 ? Array(bytes[..<n]) : nil
        }
        guard let head else { return nil }
        let hash = fingerprint(ofRaw: head[...], length: length)
        return hash.isEmpty ? nil : hash
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
