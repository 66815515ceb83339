/// The order of a chain's files, newest first, as their names give it: the live file, then `access.log.1`,
/// `access.log.2.gz`, ... (logrotate's numbers), or dated names newest date first (`access.log-20261127`,
/// `access.log-20261127-1764237600.gz`, `access.log.2026-11-27`). Names are what logrotate orders by; modification
/// times are not (a compressor that writes a new file, a copy or a restore from backup stamps the time it wrote),
/// so they only break ties and order names of no known shape.
enum RotationOrder {
    /// Where a name stands: the live file, a number (smaller is newer), digit groups of a date (larger is newer),
    /// or a name of no known shape.
    enum Rank: Equatable {
        case live
        case numbered(Int)
        case dated([Int])
        /// logrotate's `-YYYYMMDDHH.backup` (ordered by modification time).
        case backup
        case other
    }

    /// Compression suffixes logrotate's `compressext` commonly writes.
    static let compressionSuffixes = [".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z"]

    /// The rank of `path` in the chain of `chain` (the live path).
    static func rank(of path: String, chain: String) -> Rank {
        let name = Glob.split(path).name
        let live = Glob.split(chain).name
        guard name.hasPrefix(live) else { return .other }
        var suffix = Substring(name.dropFirst(live.count))
        for compression in compressionSuffixes where suffix.hasSuffix(compression) {
            suffix = suffix.dropLast(compression.count)
            break
        }
        if suffix.isEmpty { return path == chain ? .live : .other }
        // logrotate's `create` finding the live name taken (a writer that opens the log by name recreated it between
        // the rename and the create) renames that file `access.log-YYYYMMDDHH.backup`: lines the writer wrote, in the
        // chain, ordered by time among the others.
        if suffix.hasSuffix(".backup") {
            let stamp = suffix.dropLast(".backup".count)
            if stamp.first == "-", stamp.count == 11, stamp.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) {
                return .backup
            }
        }
        if suffix.first == ".", let number = Int(suffix.dropFirst()), suffix.count <= 7 { return .numbered(number) }
        // A date: digit groups, the first of at least 8 digits or a four-digit year (`-20261127`, `.2026-11-27`).
        let digitGroups = suffix.split(whereSeparator: { !$0.isASCII || !$0.isNumber })
        guard let first = digitGroups.first, first.count >= 8 || (first.count == 4 && digitGroups.count >= 3),
            suffix.allSatisfy({ $0.isASCII && ($0.isNumber || "-_.".contains($0)) })
        else { return .other }
        return .dated(digitGroups.compactMap { Int($0) })
    }

    /// Whether `a` is newer than `b` in the chain (written to later); `mtime` breaks ties and orders names of
    /// different or unknown shapes.
    static func isNewer(
        _ a: (path: String, mtime: Int64),
        than b: (path: String, mtime: Int64),
        chain: String
    ) -> Bool {
        switch (rank(of: a.path, chain: chain), rank(of: b.path, chain: chain)) {
        case (.live, .live): return false
        case (.live, _): return true
        case (_, .live): return false
        case (.numbered(let x), .numbered(let y)) where x != y: return x < y
        case (.dated(let x), .dated(let y)) where x != y: return y.lexicographicallyPrecedes(x)
        default: return a.mtime > b.mtime
        }
    }
}
