import GRDB
import Glibc
public import LogonymCore

/// `logonym export`: one tenant's segments of a time range, in one age file for a third party (a processor, an
/// auditor, the controller's analyst), encrypted to the recipients given and to no key logonym keeps.
///
/// The segments are read as the state database has committed them (an open segment up to its committed length),
/// so an export can run beside the daemon. An encrypted segment is decrypted with its window's identity first: what
/// the recipient gets is the pseudonymized log, never logonym's keys or identities. The file is written under a
/// temporary name, made durable, recorded in the audit log and only then given its name; a failure at any step
/// leaves nothing.
public struct SegmentExport {
    /// What the age file holds.
    public enum Format: String, CaseIterable, Sendable {
        /// A ustar archive: one entry per segment, named `INPUT/WINDOW[.PART].log.gz` (`TENANT/INPUT/...` with
        /// tenants), as stored (gzip or plain), decrypted.
        case tar
        /// The segments' lines, decompressed, in window order: `age -d ... | goaccess -`.
        case log
    }

    /// One segment to export.
    public struct Entry: Sendable {
        public var segment: StateStore.SegmentRecord
        /// Its name in a tar archive.
        public var name: String
        /// Its window's name.
        public var window: String
        /// Its window's length: the one it was written under, which the configuration may have changed since.
        public var length: WindowLength
        /// Its bytes as stored, decrypted (measured by ``measure(_:)``).
        public var size: Int64 = 0
    }

    public let store: StateStore
    public let window: WindowLength
    /// What opens encrypted segments.
    public let keys: SegmentKeys

    public init(store: StateStore, window: WindowLength, keys: SegmentKeys) {
        self.store = store
        self.window = window
        self.keys = keys
    }

    /// The segments of `tenant` (`nil`: a configuration without tenants) whose windows overlap `[since, until)`
    /// (epoch seconds), in window, input and part order; empty segments are left out.
    public func entries(tenant: String?, since: Int64, until: Int64) throws -> [Entry] {
        try store.segments()
            .filter {
                TenantSettings.tenant(ofSource: $0.input) == tenant && $0.length > 0
                    && $0.windowStart + Self.length(of: $0.path, else: window).seconds > since
                    && $0.windowStart < until
            }
            .sorted { ($0.windowStart, $0.input, $0.part) < ($1.windowStart, $1.input, $1.part) }
            .map { segment in
                var name = segment.path.split(separator: "/").last.map(String.init) ?? segment.path
                if name.hasSuffix(SegmentSealer.suffix) { name.removeLast(SegmentSealer.suffix.count) }
                let length = Self.length(of: segment.path, else: window)
                return Entry(
                    segment: segment,
                    name: segment.input + "/" + name,
                    window: length.name(ofWindowStarting: segment.windowStart),
                    length: length
                )
            }
    }

    /// The recipients of the window identities this state directory has made (live or destroyed), by recipient:
    /// their key ids. An export to one of them would open with logonym's own keys.
    public func ownRecipients() throws -> [String: String] {
        try store.read { db in
            var own: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, recipient FROM identities") {
                own[row["recipient"]] = row["id"]
            }
            return own
        }
    }

    /// The window length a segment was written under, from its name (`2026-11-27T10...` an hour, `2026-11-27...` a
    /// day); `configured` for a name that is neither. A window changed from `1h` to `1d` leaves hour segments
    /// behind: measured as days, one from 10:00 would overlap a range starting at 12:00.
    static func length(of path: String, else configured: WindowLength) -> WindowLength {
        let name = Array((path.split(separator: "/").last.map(String.init) ?? path).utf8)
        guard name.count > 10 else { return configured }
        if name[10] == UInt8(ascii: "T") { return .hour }
        if name[10] == UInt8(ascii: ".") { return .day }
        return configured
    }

    /// Reads every entry to its end (an encrypted one decrypted and authenticated) and records its size: a
    /// segment that cannot be read stops the export before anything is written.
    public func measure(_ entries: inout [Entry]) throws(LogonymIOError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for index in entries.indices {
            let source = try open(entries[index].segment, decompress: false)
            var size: Int64 = 0
            while true {
                let n = try source.read(into: buffer)
                if n == 0 { break }
                size += Int64(n)
            }
            entries[index].size = size
        }
    }

    /// Writes `entries` as `format`, encrypted to `recipients`, to `file`; returns the plaintext's byte count and
    /// the age file's size and SHA-256. `file` is left for the caller to finish or abandon.
    public func write(
        _ entries: [Entry],
        format: Format,
        recipients: [AgeRecipient],
        to file: FileOutput
    ) throws(LogonymIOError) -> (bytes: Int64, size: Int64, sha256: String) {
        let encryptor = AgeEncryptor(recipients: recipients)
        let digest = SHA256Digest.Stream()
        var out: [UInt8] = []
        out.reserveCapacity((1 << 20) + (1 << 17))
        var plain: Int64 = 0
        var size: Int64 = 0
        func emit(_ bytes: UnsafeRawBufferPointer) throws(LogonymIOError) {
            plain += Int64(bytes.count)
            encryptor.update(bytes, into: &out)
            try flush()
        }
        func flush() throws(LogonymIOError) {
            guard !out.isEmpty else { return }
            try out.withUnsafeBytes { raw in
                digest.update(raw)
                return Result { () throws(LogonymIOError) in try file.writeAll(raw) }
            }.get()
            size += Int64(out.count)
            out.removeAll(keepingCapacity: true)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for entry in entries {
            let source = try open(entry.segment, decompress: format == .log)
            var left = entry.size
            if format == .tar {
                let header = try Self.tarHeader(
                    name: entry.name,
                    size: entry.size,
                    modified: entry.segment.windowStart + entry.length.seconds
                )
                try header.withUnsafeBytes { raw in Result { () throws(LogonymIOError) in try emit(raw) } }.get()
            }
            while format == .log || left > 0 {
                let want = format == .log ? buffer.count : Int(min(Int64(buffer.count), left))
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
                if n == 0 { break }
                left -= Int64(n)
                try emit(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
            if format == .tar {
                // Read again since it was measured: it must hold as much (a sealed segment holds what its plain
                // file held; one removed by retention in between holds nothing).
                guard left == 0 else {
                    throw LogonymIOError(
                        code: .readFailed,
                        path: entry.segment.path,
                        message: "changed while it was exported (\(entry.size - left) of \(entry.size) bytes read)"
                    )
                }
                let padding = Int((512 - entry.size % 512) % 512)
                try emit(UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<padding]).zeroed()))
            }
        }
        if format == .tar {
            // The end of the archive: two zero blocks.
            try emit(UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<1024]).zeroed()))
        }
        encryptor.finish(into: &out)
        try flush()
        return (plain, size, digest.finish())
    }

    /// Opens a segment as the snapshot recorded it. A plain segment sealed since (renamed `.age` by the daemon) is
    /// opened under its new name.
    private func open(_ segment: StateStore.SegmentRecord, decompress: Bool) throws(LogonymIOError) -> any ByteSource {
        let keys = self.keys
        do {
            return try InputOpener.openSegment(segment.path, limit: Int(segment.length), decompress: decompress) {
                () throws(LogonymIOError) in try keys.identities(for: segment.path)
            }
        } catch  where error.code == .notFound && !segment.path.hasSuffix(SegmentSealer.suffix) {
            let sealed = segment.path + SegmentSealer.suffix
            do {
                // The sealed file holds the whole plain file; the snapshot counted its first `length` bytes (and
                // their lines): no more is read, so the export holds what the audit entry says.
                return try InputOpener.openSegment(
                    sealed,
                    decompress: decompress,
                    decryptedLimit: segment.length
                ) { () throws(LogonymIOError) in try keys.identities(for: sealed) }
            } catch  where error.code == .notFound {
                throw LogonymIOError(
                    code: .notFound,
                    path: segment.path,
                    message: "removed while it was exported (by retention?): run the export again"
                )
            }
        }
    }

    /// The header of a regular file of mode 0640: a ustar block, after a pax extended header holding the name when
    /// it does not fit one (an input's name may be up to 255 bytes; ustar holds 255 at most, split at a slash).
    static func tarHeader(name: String, size: Int64, modified: Int64) throws(LogonymIOError) -> [UInt8] {
        if let block = try ustarBlock(name: Array(name.utf8), size: size, modified: modified, type: "0") {
            return block
        }
        // A pax record: "LENGTH path=NAME\n", LENGTH counting itself.
        let body = " path=" + name + "\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count > length { length += 1 }
        let record = Array((String(length) + body).utf8)
        // What readers without pax show: the segment's own name.
        let short = Array(name.utf8.split(separator: UInt8(ascii: "/")).last?.suffix(100) ?? [])
        guard
            let pax = try ustarBlock(
                name: Array("PaxHeaders/".utf8) + short.suffix(89),
                size: Int64(record.count),
                modified: modified,
                type: "x"
            ),
            let header = try ustarBlock(name: short, size: size, modified: modified, type: "0")
        else {
            throw LogonymIOError(code: .writeFailed, path: name, message: "too long a name for a tar archive")
        }
        let padding = [UInt8](repeating: 0, count: (512 - record.count % 512) % 512)
        return pax + record + padding + header
    }

    /// A ustar header block, or `nil` when the name does not fit.
    private static func ustarBlock(
        name bytes: [UInt8],
        size: Int64,
        modified: Int64,
        type: Unicode.Scalar
    ) throws(LogonymIOError) -> [UInt8]? {
        let name = String(decoding: bytes, as: UTF8.self)
        var block = [UInt8](repeating: 0, count: 512)
        // A name longer than 100 bytes is split at a slash into a prefix (155 bytes at most) and the rest.
        var prefix: ArraySlice<UInt8> = []
        var rest = bytes[...]
        if bytes.count > 100 {
            guard
                let slash = bytes.indices.last(where: {
                    bytes[$0] == UInt8(ascii: "/") && $0 <= 155 && bytes.count - $0 - 1 <= 100
                })
            else { return nil }
            prefix = bytes[..<slash]
            rest = bytes[(slash + 1)...]
        }
        func put(_ field: some Collection<UInt8>, at offset: Int) {
            for (index, byte) in field.enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8), at: offset)
        }
        guard size < 1 << 33 else {
            throw LogonymIOError(code: .writeFailed, path: name, message: "8 GiB or more: too large for a tar entry")
        }
        put(rest, at: 0)
        octal(0o640, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(max(0, modified), at: 136, width: 12)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)
        block[156] = UInt8(ascii: type)
        put(Array("ustar\0".utf8), at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("logonym".utf8), at: 265)
        put(Array("logonym".utf8), at: 297)
        put(prefix, at: 345)
        let checksum = block.reduce(0) { $0 + Int64($1) }
        octal(checksum, at: 148, width: 7)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }
}

@available(*, unavailable)
extension SegmentExport: Sendable {}

extension UnsafeMutableRawBufferPointer {
    /// The buffer, its bytes set to zero.
    fileprivate func zeroed() -> UnsafeMutableRawBufferPointer {
        if let base = baseAddress { memset(base, 0, count) }
        return self
    }
}
