/// Two-letter codes packed in a `UInt16` (first letter in the high byte); 0 means none.
public enum GeoCode: Sendable {
    @inlinable
    public static func pack(_ a: UInt8, _ b: UInt8) -> UInt16 { UInt16(a) << 8 | UInt16(b) }

    /// Packs a two-letter code, upper-cased; `nil` unless exactly two ASCII letters.
    public static func pack(_ text: some StringProtocol) -> UInt16? {
        let bytes = Array(text.utf8)
        guard bytes.count == 2, bytes.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else { return nil }
        return pack(bytes[0] & ~0x20, bytes[1] & ~0x20)
    }

    public static func text(_ code: UInt16) -> String {
        String(decoding: [UInt8(code >> 8), UInt8(code & 0xFF)], as: UTF8.self)
    }
}

/// How much of a location is kept per line: the continent, the country, or the country and the network
/// operator's AS number.
public enum GeoLevel: String, CaseIterable, Sendable, Codable {
    case continent
    case country
    case countryASN = "country+asn"
}

/// A coarse location: continent, country and AS number, or that the address is private or unknown. Never holds
/// the address.
public struct GeoBucket: Hashable, Sendable {
    /// What the bucket says.
    public enum Kind: UInt8, Sendable {
        case located, unknown, privateAddress
    }

    public var kind: Kind
    /// Packed continent code (`EU`), 0 when unknown.
    public var continent: UInt16
    /// Packed country code (`DE`), 0 when unknown.
    public var country: UInt16
    /// AS number, 0 when unknown.
    public var asn: UInt32

    public init(kind: Kind = .located, continent: UInt16 = 0, country: UInt16 = 0, asn: UInt32 = 0) {
        self.kind = kind
        self.continent = continent
        self.country = country
        self.asn = asn
    }

    /// An address the database does not know.
    public static let unknown = GeoBucket(kind: .unknown)
    /// A private, loopback or link-local address.
    public static let privateAddress = GeoBucket(kind: .privateAddress)

    /// The same bucket with only what `level` keeps.
    public func at(_ level: GeoLevel) -> GeoBucket {
        switch level {
        case .continent: GeoBucket(kind: kind, continent: continent)
        case .country: GeoBucket(kind: kind, continent: continent, country: country)
        case .countryASN: self
        }
    }

    /// `unknown` / `private` where a code is missing.
    var placeholder: String { kind == .privateAddress ? "private" : "unknown" }

    /// The continent as text (`EU`), or `unknown` / `private`.
    public var continentText: String { continent == 0 ? placeholder : GeoCode.text(continent) }
    /// The country as text (`DE`), or `unknown` / `private`.
    public var countryText: String { country == 0 ? placeholder : GeoCode.text(country) }

    /// `EU`, `EU/DE`, `EU/DE/AS64501` (the trailing field of same-format output), as the level says.
    public func fieldText(_ level: GeoLevel) -> String {
        if kind != .located { return placeholder }
        var text = continentText
        if level != .continent { text += "/" + countryText }
        if level == .countryASN && asn != 0 { text += "/AS\(asn)" }
        return text
    }

    /// `{"continent":"EU","country":"DE","asn":64501}` with the fields of `level` (`asn` left out when unknown).
    public func writeJSON(_ level: GeoLevel, into out: inout [UInt8]) {
        out.append(contentsOf: Array(#"{"continent":""#.utf8))
        out.append(contentsOf: Array(continentText.utf8))
        if level != .continent {
            out.append(contentsOf: Array(#"","country":""#.utf8))
            out.append(contentsOf: Array(countryText.utf8))
        }
        out.append(UInt8(ascii: "\""))
        if level == .countryASN && asn != 0 {
            out.append(contentsOf: Array(#","asn":\#(asn)"#.utf8))
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// Looks addresses up in a geolocation database.
public protocol GeoDatabase: AnyObject {
    /// What the database says of a canonical public address (``GeoBucket/unknown`` when it does not know it).
    func lookup(_ address: IPAddress) -> GeoBucket
}

extension GeoBucket {
    /// The bucket as stored: `EU:DE:64501` (`-` for a missing code, 0 for no AS number), `unknown`, `private`.
    public var storageKey: String {
        switch kind {
        case .unknown: return "unknown"
        case .privateAddress: return "private"
        case .located:
            let continentCode = continent == 0 ? "-" : GeoCode.text(continent)
            let countryCode = country == 0 ? "-" : GeoCode.text(country)
            return "\(continentCode):\(countryCode):\(asn)"
        }
    }

    /// Reads ``storageKey`` back.
    public init?(storageKey: String) {
        switch storageKey {
        case "unknown": self = .unknown
        case "private": self = .privateAddress
        default:
            let parts = storageKey.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, let asn = UInt32(parts[2]) else { return nil }
            self.init(
                continent: parts[0] == "-" ? 0 : GeoCode.pack(parts[0]) ?? 0,
                country: parts[1] == "-" ? 0 : GeoCode.pack(parts[1]) ?? 0,
                asn: asn
            )
        }
    }
}
