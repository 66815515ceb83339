/// Derives each line's geo bucket from the client's full address, before it is anonymized: one lookup per
/// distinct address (cached like pseudonyms: memory only, emptied with the window), lines and distinct clients
/// counted per bucket.
public final class GeoTagger {
    /// What each line carries.
    public let level: GeoLevel
    /// Same-format output gets a trailing `"geo=EU/DE"` field.
    public let appendsField: Bool
    /// The country database first; a separate AS-number database after it.
    let databases: [any GeoDatabase]
    let hasher: SipHash
    private let cache: AddressSlotCache
    /// The slot of the current line's client's bucket, if it had an address.
    @exclusivity(unchecked) private var current: Int?
    /// Every bucket seen, by slot, with what is written for it, rendered once: the trailing field and the JSON.
    private var buckets: [GeoBucket] = []
    private var slots: [GeoBucket: Int] = [:]
    private var renderedField: [[UInt8]] = []
    private var renderedJSON: [[UInt8]] = []
    /// Lines and distinct clients per slot in the current window.
    @exclusivity(unchecked) private var lines: [Int] = []
    @exclusivity(unchecked) private var clients: [Set<UInt64>] = []
    /// The current window (`nil` before any, or without windows), counts of windows not yet taken, and all that
    /// was taken.
    private var window: Int64?
    private var pending: [Int64?: GeoCounts] = [:]
    private var taken = GeoCounts()

    public init(
        level: GeoLevel,
        appendsField: Bool,
        databases: [any GeoDatabase],
        hashKey: (UInt64, UInt64) = SipHash.randomKey(),
        cacheBits: Int = 18
    ) {
        self.level = level
        self.appendsField = appendsField
        self.databases = databases
        self.hasher = SipHash(key: hashKey)
        self.cache = AddressSlotCache(capacityPowerOfTwo: cacheBits)
    }

    deinit {
        cache.deallocate()
    }

    /// A tagger with the same databases and client hash key and nothing counted: one per thread processing lines of
    /// one run, its counts given back with ``absorb(_:)`` (the same key makes a client seen by two threads one).
    public func replica() -> GeoTagger {
        GeoTagger(level: level, appendsField: appendsField, databases: databases, hashKey: (hasher.k0, hasher.k1))
    }

    /// Adds everything a replica counted to ``totalCounts``.
    public func absorb(_ replica: GeoTagger) {
        taken.add(replica.totalCounts)
    }

    /// Forgets the previous line's bucket.
    @inline(__always)
    public func beginLine() { current = nil }

    /// Looks the client's address up (once per distinct address per window) and counts the line.
    @inline(__always)
    public func tag(_ address: IPAddress) {
        let canonical = address.canonical
        if let slot = cache.slot(for: canonical) {
            lines[slot] &+= 1
            current = slot
            return
        }
        let bucket = lookup(canonical)
        let slot = slots[bucket] ?? register(bucket)
        clients[slot].insert(hasher.hash(canonical))
        lines[slot] &+= 1
        cache.store(slot, for: canonical)
        current = slot
    }

    private func register(_ bucket: GeoBucket) -> Int {
        let slot = buckets.count
        buckets.append(bucket)
        slots[bucket] = slot
        renderedField.append(Array(" \"geo=\(bucket.fieldText(level))\"".utf8))
        var json: [UInt8] = []
        bucket.writeJSON(level, into: &json)
        renderedJSON.append(json)
        lines.append(0)
        clients.append([])
        return slot
    }

    /// The current line's bucket (``GeoBucket/unknown`` when its client was not an address).
    public var currentBucket: GeoBucket { current.map { buckets[$0] } ?? .unknown }

    /// Appends ` "geo=EU/DE"` (same-format output).
    public func writeField(into out: inout [UInt8]) {
        if let current {
            out.append(contentsOf: renderedField[current])
        } else {
            out.append(contentsOf: Array(" \"geo=\(GeoBucket.unknown.fieldText(level))\"".utf8))
        }
    }

    /// Appends `{"continent":"EU","country":"DE"}` (JSON output).
    public func writeJSON(into out: inout [UInt8]) {
        if let current {
            out.append(contentsOf: renderedJSON[current])
        } else {
            GeoBucket.unknown.writeJSON(level, into: &out)
        }
    }

    /// Counts into the window starting at `start` from now on; the cache is emptied, so the new window's lookups
    /// (and clients) start afresh, like its pseudonyms.
    public func switchWindow(to start: Int64) {
        guard start != window else { return }
        parkCurrentWindow()
        window = start
        cache.removeAll()
    }

    private func parkCurrentWindow() {
        var counts = GeoCounts()
        for slot in lines.indices where lines[slot] > 0 || !clients[slot].isEmpty {
            counts.add(bucket: buckets[slot], lines: lines[slot], clients: clients[slot])
            lines[slot] = 0
            clients[slot] = []
        }
        if !counts.buckets.isEmpty { pending[window, default: GeoCounts()].add(counts) }
    }

    /// The counts gathered since the last call, per window (`nil`: before any window was known), and starts
    /// afresh. (A client seen again later in the same window is counted again in the next take; the stored
    /// sketches merge, so it is still one client.)
    public func takeCounts() -> [(windowStart: Int64?, counts: GeoCounts)] {
        parkCurrentWindow()
        cache.removeAll()
        let result = pending.map { ($0.key, $0.value) }.sorted { ($0.0 ?? .min) < ($1.0 ?? .min) }
        for (_, counts) in result { taken.add(counts) }
        pending = [:]
        return result
    }

    /// Everything counted so far, all windows together (the batch summary).
    public var totalCounts: GeoCounts {
        var total = taken
        for (_, counts) in pending { total.add(counts) }
        for slot in lines.indices where lines[slot] > 0 || !clients[slot].isEmpty {
            total.add(bucket: buckets[slot], lines: lines[slot], clients: clients[slot])
        }
        return total
    }

    /// Empties the cache (a new window: its lookups start afresh, like its pseudonyms).
    public func windowChanged() {
        cache.removeAll()
    }

    /// The bucket of a canonical address: `private` for private, loopback and link-local addresses, else what
    /// the databases say, with the continent filled in from the country where the database has none.
    public func lookup(_ address: IPAddress) -> GeoBucket {
        if Self.isPrivate(address) { return .privateAddress }
        var bucket = GeoBucket.unknown
        for database in databases {
            let found = database.lookup(address)
            guard found.kind == .located else { continue }
            if bucket.kind != .located {
                bucket = found
            } else if bucket.asn == 0 {
                bucket.asn = found.asn
            }
        }
        if bucket.kind == .located && bucket.continent == 0, bucket.country != 0 {
            bucket.continent = ContinentTable.continent(ofCountry: bucket.country) ?? 0
        }
        return bucket
    }

    /// RFC 1918 and RFC 4193 private, loopback, link-local, and the unspecified address. Documentation ranges are
    /// looked up like any other (test databases use them).
    public static func isPrivate(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a):
            return a >> 24 == 10 || a >> 20 == 0xAC1 || a >> 16 == 0xC0A8 || a >> 24 == 127 || a >> 16 == 0xA9FE
                || a == 0
        case .v6(let hi, let lo):
            return (hi == 0 && (lo == 1 || lo == 0)) || hi >> 54 == 0x3FA || hi >> 57 == 0x7E
        }
    }
}

@available(*, unavailable)
extension GeoTagger: Sendable {}
