/// Parameter names matched as people write them: `phoneNumber`, `phone_number`, `Phone-Number` and `PHONENUMBER` are
/// one name. A name is *folded* (ASCII letters lower-cased, digits and bytes over 127 kept, everything else dropped,
/// trailing digits dropped: `address1` is `address`), then compared with patterns folded the same way: `email`
/// (exact), `*token` (suffix), `utm_*` (prefix), `*email*` (anywhere). A bracketed name (`user[email]`, Rails and
/// PHP forms) is also compared by its last bracketed part.
///
/// One instance serves one list (the deny list with its exceptions, or the allow list); decisions are remembered
/// per raw name in a small table, since a log repeats a few hundred names.
struct NameRules {
    /// What a name's value gets.
    enum Verdict: Equatable, Sendable {
        case none
        /// Replaced, counted under the counter id.
        case always(Int)
        /// Replaced when it looks like a token (``ValueDetectors/isTokenShaped(_:_:)``): `state=CA` stays,
        /// `state=af0ifjsldkj3f9a` goes.
        case ifTokenShaped(Int)
    }

    let tables: Tables
    private let cache = NameCache()
    private let decoder = PercentDecoding()

    /// `patterns` with their verdicts; `keep`: patterns that take a name off (they win over `patterns`).
    init(_ patterns: [(pattern: String, verdict: Verdict)], keep: [String]) {
        self.init(Tables(patterns, keep: keep))
    }

    /// Rules over tables built before (and shared: building them allocates per pattern).
    init(_ tables: Tables) {
        self.tables = tables
    }

    /// The verdict for the (raw, maybe percent-encoded) name `b[range]`.
    func verdict(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Verdict {
        if let known = cache.lookup(b, range) { return known }
        let verdict: Verdict
        if range.contains(where: { b[$0] == UInt8(ascii: "%") || b[$0] == UInt8(ascii: "+") }) {
            decoder.decode(b, range, plusIsBlank: true)
            let decoded = UnsafeBufferPointer(decoder.decoded)
            verdict = tables.match(decoded, 0..<decoded.count)
        } else {
            verdict = tables.match(b, range)
        }
        cache.store(b, range, verdict)
        return verdict
    }
}

extension NameRules {
    /// The folded patterns of one list, by kind: immutable, and shared by every scrubber of the same settings.
    struct Tables: Sendable {
        private struct Pattern: Sendable {
            var folded: [UInt8]
            var verdict: Verdict
        }

        private var exact: [[UInt8]: Verdict] = [:]
        private var prefixes: [Pattern] = []
        private var suffixes: [Pattern] = []
        private var anywhere: [Pattern] = []
        private var keepExact: Set<[UInt8]> = []
        private var keepPatterns: [(folded: [UInt8], kind: Kind)] = []

        private enum Kind: Sendable { case exact, prefix, suffix, anywhere }

        init(_ patterns: [(pattern: String, verdict: Verdict)], keep: [String]) {
            for (pattern, verdict) in patterns {
                let (folded, kind) = Self.parse(pattern)
                guard !folded.isEmpty else { continue }
                switch kind {
                case .exact: if exact[folded] == nil { exact[folded] = verdict }
                case .prefix: prefixes.append(Pattern(folded: folded, verdict: verdict))
                case .suffix: suffixes.append(Pattern(folded: folded, verdict: verdict))
                case .anywhere: anywhere.append(Pattern(folded: folded, verdict: verdict))
                }
            }
            for pattern in keep {
                let (folded, kind) = Self.parse(pattern)
                guard !folded.isEmpty else { continue }
                if kind == .exact { keepExact.insert(folded) } else { keepPatterns.append((folded, kind)) }
            }
        }

        /// A pattern's folded text and kind: `*` at the start, the end or both.
        private static func parse(_ pattern: String) -> ([UInt8], Kind) {
            let bytes = Array(pattern.utf8)
            let star = UInt8(ascii: "*")
            let leading = bytes.first == star
            let trailing = bytes.count > 1 && bytes.last == star
            let body = Array(bytes[(leading ? 1 : 0)..<(bytes.count - (trailing ? 1 : 0))])
            let folded = body.withUnsafeBufferPointer { NameRules.fold($0, 0..<$0.count) }
            let kind: Kind =
                switch (leading, trailing) {
                case (true, true): .anywhere
                case (true, false): .suffix
                case (false, true): .prefix
                case (false, false): .exact
                }
            return (folded, kind)
        }

        func match(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Verdict {
            let whole = NameRules.fold(b, range)
            let first = match(folded: whole)
            if first != .none { return first }
            // `user[email]`: the last bracketed part on its own.
            guard let open = range.last(where: { b[$0] == UInt8(ascii: "[") }) else { return .none }
            var close = open + 1
            while close < range.upperBound && b[close] != UInt8(ascii: "]") { close += 1 }
            return match(folded: NameRules.fold(b, (open + 1)..<close))
        }

        private func match(folded name: [UInt8]) -> Verdict {
            guard !name.isEmpty, !isKept(name) else { return .none }
            if let verdict = exact[name] { return verdict }
            for p in prefixes where name.starts(with: p.folded) { return p.verdict }
            for p in suffixes where NameRules.ends(name, with: p.folded) { return p.verdict }
            for p in anywhere where NameRules.contains(name, p.folded) { return p.verdict }
            return .none
        }

        private func isKept(_ name: [UInt8]) -> Bool {
            if keepExact.contains(name) { return true }
            for (folded, kind) in keepPatterns {
                let kept =
                    switch kind {
                    case .exact: name == folded
                    case .prefix: name.starts(with: folded)
                    case .suffix: NameRules.ends(name, with: folded)
                    case .anywhere: NameRules.contains(name, folded)
                    }
                if kept { return true }
            }
            return false
        }

    }

    /// ASCII letters lower-cased, digits and non-ASCII bytes kept, the rest dropped; then trailing digits dropped
    /// unless that leaves nothing (`address1` is `address`, `cvv2` is `cvv`).
    static func fold(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        forEachFoldedByte(b, range) { out.append($0) }
        return out
    }

    /// Calls `body` with each byte of `b[range]` folded as ``fold(_:_:)`` folds it, without building the array
    /// (``PathTokens`` hashes the bytes instead).
    @inline(__always)
    static func forEachFoldedByte(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (UInt8) -> Void) {
        // Trailing digits (and the dropped bytes among them) end before the last letter, unless there is none.
        var end = range.upperBound
        while end > range.lowerBound && !(b[end - 1] &- 0x41 < 26 || b[end - 1] &- 0x61 < 26 || b[end - 1] >= 0x80) {
            end -= 1
        }
        if end == range.lowerBound { end = range.upperBound }
        for i in range.lowerBound..<end {
            let c = b[i]
            if c &- 0x41 < 26 {
                body(c | 0x20)
            } else if c &- 0x61 < 26 || c &- 0x30 < 10 || c >= 0x80 {
                body(c)
            }
        }
    }

    /// The display form of a pattern, for counter names: lower case, `-` as `_` (`e-mail` → `e_mail`).
    static func displayName(_ pattern: String) -> String {
        String(
            decoding: pattern.utf8.map { c in
                c == UInt8(ascii: "-") ? UInt8(ascii: "_") : (c >= 0x41 && c <= 0x5A ? c | 0x20 : c)
            },
            as: UTF8.self
        )
    }

    static func ends(_ name: [UInt8], with suffix: [UInt8]) -> Bool {
        name.count >= suffix.count && name[(name.count - suffix.count)...].elementsEqual(suffix)
    }

    static func contains(_ name: [UInt8], _ part: [UInt8]) -> Bool {
        guard name.count >= part.count else { return false }
        for start in 0...(name.count - part.count) where name[start] == part[0] {
            if name[start..<(start + part.count)].elementsEqual(part) { return true }
        }
        return false
    }
}

/// The verdicts of recently seen raw names: 4,096 slots, direct-mapped by a hash of the name padded to 32 bytes
/// (compared as four words). Names longer than 31 bytes are not remembered.
private final class NameCache {
    private static let slots = 4096
    /// 32 bytes of key, then the verdict's kind (UInt16) and counter (UInt16); an empty slot's key is all zero,
    /// which no name's key is (its last byte is the length, at least 1).
    private static let slotSize = 40
    private let storage: UnsafeMutableRawPointer

    init() {
        storage = .allocate(byteCount: Self.slots * Self.slotSize, alignment: 8)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slots * Self.slotSize)
    }

    deinit { storage.deallocate() }

    private typealias Key = (UInt64, UInt64, UInt64, UInt64)

    /// The name's bytes, zero-padded, with its length in the last byte. Loaded a word at a time where 32 bytes can
    /// be read (a name is followed by its value): bytes copied one by one and read back as words would wait for each
    /// store to land.
    @inline(__always)
    private static func key(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Key? {
        let n = range.count
        guard n > 0, n <= 31 else { return nil }
        var key: Key = (0, 0, 0, 0)
        if b.count - range.lowerBound >= 32 {
            let p = UnsafeRawPointer(b.baseAddress! + range.lowerBound)
            key = (
                p.loadUnaligned(as: UInt64.self) & mask(n),
                p.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & mask(n - 8),
                p.loadUnaligned(fromByteOffset: 16, as: UInt64.self) & mask(n - 16),
                p.loadUnaligned(fromByteOffset: 24, as: UInt64.self) & mask(n - 24)
            )
        } else {
            withUnsafeMutableBytes(of: &key) { k in
                k.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[range]))
            }
        }
        // The last byte (little-endian), never part of a name of at most 31 bytes.
        key.3 |= UInt64(n) << 56
        return key
    }

    /// The low `bytes` bytes of a word (none for 0 or fewer, all for 8 or more).
    @inline(__always)
    private static func mask(_ bytes: Int) -> UInt64 {
        bytes <= 0 ? 0 : bytes >= 8 ? ~0 : (1 &<< UInt64(bytes &* 8)) &- 1
    }

    @inline(__always)
    private func slot(_ key: Key) -> UnsafeMutableRawPointer {
        let mixed =
            (key.0 &* 0x9E37_79B9_7F4A_7C15) ^ (key.1 &* 0xC2B2_AE3D_27D4_EB4F)
            ^ (key.2 &* 0x1656_67B1_9E37_79F9) ^ (key.3 &* 0x85EB_CA77_C2B2_AE63)
        return storage + Int(truncatingIfNeeded: (mixed >> 40) & UInt64(Self.slots - 1)) * Self.slotSize
    }

    func lookup(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> NameRules.Verdict? {
        guard let key = Self.key(b, range) else { return nil }
        let slot = slot(key)
        guard slot.load(as: UInt64.self) == key.0, slot.load(fromByteOffset: 8, as: UInt64.self) == key.1,
            slot.load(fromByteOffset: 16, as: UInt64.self) == key.2,
            slot.load(fromByteOffset: 24, as: UInt64.self) == key.3
        else { return nil }
        let counter = Int(slot.load(fromByteOffset: 34, as: UInt16.self))
        switch slot.load(fromByteOffset: 32, as: UInt16.self) {
        case 1: return .always(counter)
        case 2: return .ifTokenShaped(counter)
        default: return NameRules.Verdict.none
        }
    }

    func store(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ verdict: NameRules.Verdict) {
        guard let key = Self.key(b, range) else { return }
        let (kind, counter): (UInt16, Int) =
            switch verdict {
            case .none: (0, 0)
            case .always(let c): (1, c)
            case .ifTokenShaped(let c): (2, c)
            }
        guard counter <= Int(UInt16.max) else { return }
        let slot = slot(key)
        slot.storeBytes(of: key.0, as: UInt64.self)
        slot.storeBytes(of: key.1, toByteOffset: 8, as: UInt64.self)
        slot.storeBytes(of: key.2, toByteOffset: 16, as: UInt64.self)
        slot.storeBytes(of: key.3, toByteOffset: 24, as: UInt64.self)
        slot.storeBytes(of: kind, toByteOffset: 32, as: UInt16.self)
        slot.storeBytes(of: UInt16(counter), toByteOffset: 34, as: UInt16.self)
    }
}
