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
    @exclusivity(unchecked) private var cache: [IPAddress: Int] = [:]
    private let cacheLimit: Int
    /// The slot (in ``counts``) of the current line's client, if it had an address.
    @exclusivity(unchecked) private var current: Int?
    /// What is written per slot, rendered once: the trailing field and the JSON object.
    private var renderedField: [[UInt8]] = []
    private var renderedJSON: [[UInt8]] = []
    /// Lines and distinct clients per bucket (at full detail; ``GeoCounts/report(k:level:)`` rolls up).
    @exclusivity(unchecked) public private(set) var counts = GeoCounts()

    public init(
        level: GeoLevel,
        appendsField: Bool,
        databases: [any GeoDatabase],
        hashKey: (UInt64, UInt64) = SipHash.randomKey(),
        cacheLimit: Int = 1 << 18
    ) {
        self.level = level
        self.appendsField = appendsField
        self.databases = databases
        self.hasher = SipHash(key: hashKey)
        self.cacheLimit = cacheLimit
    }

    /// Forgets the previous line's bucket.
    @inline(__always)
    public func beginLine() { current = nil }

    /// Looks the client's address up (once per distinct address) and counts the line.
    @inline(__always)
    public func tag(_ address: IPAddress) {
        let canonical = address.canonical
        if let slot = cache[canonical] {
            counts.countLine(slot: slot)
            current = slot
            return
        }
        let bucket = lookup(canonical)
        let slot = counts.slot(for: bucket)
        if slot == renderedField.count {
            renderedField.append(Array(" \"geo=\(bucket.fieldText(level))\"".utf8))
            var json: [UInt8] = []
            bucket.writeJSON(level, into: &json)
            renderedJSON.append(json)
        }
        counts.countClient(hasher.hash(canonical), slot: slot)
        counts.countLine(slot: slot)
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[canonical] = slot
        current = slot
    }

    /// The current line's bucket (``GeoBucket/unknown`` when its client was not an address).
    public var currentBucket: GeoBucket { current.map { counts.buckets[$0] } ?? .unknown }

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

    /// Empties the cache (a new window: its lookups start afresh, like its pseudonyms).
    public func windowChanged() {
        cache.removeAll(keepingCapacity: true)
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
