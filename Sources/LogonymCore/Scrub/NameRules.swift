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
    enum Verdict: Equatable {
        case none
        /// Replaced, counted under the counter id.
        case always(Int)
        /// Replaced when it looks like a token (``ValueDetectors/isTokenShaped(_:_:)``): `state=CA` stays,
        /// `state=af0ifjsldkj3f9a` goes.
        case ifTokenShaped(Int)
    }

    private struct Pattern {
        var folded: [UInt8]
        var verdict: Verdict
    }

    private var exact: [[UInt8]: Verdict] = [:]
    private var prefixes: [Pattern] = []
    private var suffixes: [Pattern] = []
    private var anywhere: [Pattern] = []
    private var keepExact: Set<[UInt8]> = []
    private var keepPatterns: [(folded: [UInt8], kind: Kind)] = []
    private let cache = NameCache()
    private let decoder = PercentDecoding()

    private enum Kind { case exact, prefix, suffix, anywhere }

    /// `patterns` with their verdicts; `keep`: patterns that take a name off (they win over `patterns`).
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
        let folded = body.withUnsafeBufferPointer { fold($0, 0..<$0.count) }
        let kind: Kind =
            switch (leading, trailing) {
            case (true, true): .anywhere
            case (true, false): .suffix
            case (false, true): .prefix
            case (false, false): .exact
            }
        return (folded, kind)
    }

    /// The verdict for the (raw, maybe percent-encoded) name `b[range]`.
    func verdict(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Verdict {
        if let known = cache.lookup(b, range) { return known }
        let verdict: Verdict
        if range.contains(where: { b[$0] == UInt8(ascii: "%") || b[$0] == UInt8(ascii: "+") }) {
            decoder.decode(b, range, plusIsBlank: true)
            let decoded = UnsafeBufferPointer(decoder.decoded)
            verdict = match(decoded, 0..<decoded.count)
        } else {
            verdict = match(b, range)
        }
        cache.store(b, range, verdict)
        return verdict
    }

    private func match(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Verdict {
        let whole = Self.fold(b, range)
        let first = match(folded: whole)
        if first != .none { return first }
        // `user[email]`: the last bracketed part on its own.
        guard let open = range.last(where: { b[$0] == UInt8(ascii: "[") }) else { return .none }
        var close = open + 1
        while close < range.upperBound && b[close] != UInt8(ascii: "]") { close += 1 }
        return match(folded: Self.fold(b, (open + 1)..<close))
    }

    private func match(folded name: [UInt8]) -> Verdict {
        guard !name.isEmpty, !isKept(name) else { return .none }
        if let verdict = exact[name] { return verdict }
        for p in prefixes where name.starts(with: p.folded) { return p.verdict }
        for p in suffixes where Self.ends(name, with: p.folded) { return p.verdict }
        for p in anywhere where Self.contains(name, p.folded) { return p.verdict }
        return .none
    }

    private func isKept(_ name: [UInt8]) -> Bool {
        if keepExact.contains(name) { return true }
        for (folded, kind) in keepPatterns {
            let kept =
                switch kind {
                case .exact: name == folded
                case .prefix: name.starts(with: folded)
                case .suffix: Self.ends(name, with: folded)
                case .anywhere: Self.contains(name, folded)
                }
            if kept { return true }
        }
        return false
    }

    /// ASCII letters lower-cased, digits and non-ASCII bytes kept, the rest dropped; then trailing digits dropped
    /// unless that leaves nothing (`address1` is `address`, `cvv2` is `cvv`).
    static func fold(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        for i in range {
            let c = b[i]
            if c >= 0x41 && c <= 0x5A {
                out.append(c | 0x20)
            } else if (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c >= 0x80 {
                out.append(c)
            }
        }
        var end = out.count
        while end > 0 && out[end - 1] >= 0x30 && out[end - 1] <= 0x39 { end -= 1 }
        if end > 0 { out.removeSubrange(end...) }
        return out
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

    private static func ends(_ name: [UInt8], with suffix: [UInt8]) -> Bool {
        name.count >= suffix.count && name[(name.count - suffix.count)...].elementsEqual(suffix)
    }

    private static func contains(_ name: [UInt8], _ part: [UInt8]) -> Bool {
        guard name.count >= part.count else { return false }
        for start in 0...(name.count - part.count) where name[start] == part[0] {
            if name[start..<(start + part.count)].elementsEqual(part) { return true }
        }
        return false
    }
}

/// The verdicts of recently seen raw names: 4,096 slots of up to 31 name bytes, direct-mapped by hash. Longer
/// names are not remembered.
private final class NameCache {
    private static let slots = 4096
    private static let slotSize = 40
    private let storage: UnsafeMutableRawPointer

    init() {
        storage = .allocate(byteCount: Self.slots * Self.slotSize, alignment: 8)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slots * Self.slotSize)
    }

    deinit { storage.deallocate() }

    // Slot layout: [0] length + 1 (0: empty), [1] verdict kind, [2..3] counter (UInt16), [8..<39] name bytes.
    @inline(__always)
    private func slot(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UnsafeMutableRawPointer? {
        guard range.count <= 31 else { return nil }
        var hash: UInt32 = 0x811C_9DC5
        for i in range { hash = (hash ^ UInt32(b[i])) &* 0x0100_0193 }
        return storage + Int(hash & UInt32(Self.slots - 1)) * Self.slotSize
    }

    func lookup(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> NameRules.Verdict? {
        guard let slot = slot(b, range), slot.load(as: UInt8.self) == UInt8(range.count + 1) else { return nil }
        let bytes = slot + 8
        var k = 0
        for i in range {
            guard bytes.load(fromByteOffset: k, as: UInt8.self) == b[i] else { return nil }
            k += 1
        }
        let counter = Int(slot.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        switch slot.load(fromByteOffset: 1, as: UInt8.self) {
        case 1: return .always(counter)
        case 2: return .ifTokenShaped(counter)
        default: return NameRules.Verdict.none
        }
    }

    func store(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ verdict: NameRules.Verdict) {
        guard let slot = slot(b, range) else { return }
        let (kind, counter): (UInt8, Int) =
            switch verdict {
            case .none: (0, 0)
            case .always(let c): (1, c)
            case .ifTokenShaped(let c): (2, c)
            }
        guard counter <= Int(UInt16.max) else { return }
        slot.storeBytes(of: UInt8(range.count + 1), as: UInt8.self)
        slot.storeBytes(of: kind, toByteOffset: 1, as: UInt8.self)
        slot.storeBytes(of: UInt16(counter), toByteOffset: 2, as: UInt16.self)
        var k = 8
        for i in range {
            slot.storeBytes(of: b[i], toByteOffset: k, as: UInt8.self)
            k += 1
        }
    }
}
