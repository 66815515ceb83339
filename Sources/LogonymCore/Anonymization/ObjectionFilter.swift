/// The addresses whose lines are not processed (the right to object): keyed hashes of them, under a long-lived key
/// of the state directory, never the addresses. A line whose client, forwarded-for element or other address field
/// (any address in an unparsable or JSON line) is one of them is dropped and counted as `objected`.
///
/// A hash is `HMAC-SHA256(key, "logonym-objection-v1" || 0 || canonical address text)`: whoever holds the key can
/// test a guess, as with every keyed pseudonym, and nothing less than the key and a guess gives the address back.
public final class ObjectionFilter: Sendable {
    static let domain = Array("logonym-objection-v1".utf8) + [0]
    private let key: [UInt8]
    private let hashes: Set<[UInt8]>

    public init(key: [UInt8], hashes: some Sequence<[UInt8]>) {
        self.key = key
        self.hashes = Set(hashes)
    }

    public var count: Int { hashes.count }

    /// Whether `other` holds the same objections under the same key.
    public func isSame(as other: ObjectionFilter?) -> Bool {
        guard let other else { return false }
        return key == other.key && hashes == other.hashes
    }

    /// The stored form of an objection to `address`.
    public static func hash(of address: IPAddress, key: [UInt8]) -> [UInt8] {
        HMACPseudonym.hmacSHA256(key: key, message: domain + Array(address.canonical.description.utf8))
    }

    /// Whether lines of `address` are objected to.
    public func contains(_ address: IPAddress) -> Bool {
        hashes.contains(Self.hash(of: address, key: key))
    }
}
