/// Replaces addresses with their pseudonyms for one run (or one key window), with a bounded cache.
///
/// The cache maps addresses to pseudonyms, so it is key material: memory only, dropped with the anonymizer.
public final class Anonymizer {
    /// The method in use.
    public let method: AnonymizationMethod
    /// The prefixes `truncate` keeps.
    public let prefixes: TruncationPrefixes
    private let hmac: HMACPseudonym?
    private let cryptoPAn: CryptoPAn?
    private var cache: [IPAddress: IPAddress] = [:]
    private let cacheLimit: Int
    /// Kept for ``replica()`` (the HMAC and Crypto-PAn states hold it too).
    private let key: PseudonymKey?

    /// Creates an anonymizer.
    ///
    /// - Parameters:
    ///   - method: the method.
    ///   - prefixes: what `truncate` keeps.
    ///   - key: required for `hmac` and `cryptopan` (a programmer error otherwise).
    ///   - cacheLimit: the most cached pseudonyms; the cache is emptied when it is full, which bounds memory.
    public init(
        method: AnonymizationMethod,
        prefixes: TruncationPrefixes = .ga,
        key: PseudonymKey? = nil,
        cacheLimit: Int = 1 << 18
    ) {
        precondition(!method.needsKey || key != nil, "\(method) needs a key")
        self.method = method
        self.prefixes = prefixes
        self.cacheLimit = cacheLimit
        self.key = key
        switch method {
        case .truncate:
            hmac = nil
            cryptoPAn = nil
        case .hmac:
            hmac = HMACPseudonym(key: key!)
            cryptoPAn = nil
        case .cryptopan:
            hmac = HMACPseudonym(key: key!)
            cryptoPAn = CryptoPAn(key: key!)
        }
    }

    /// An anonymizer giving the same pseudonyms, with a cache of its own: one per thread processing lines of one run.
    public func replica() -> Anonymizer {
        Anonymizer(method: method, prefixes: prefixes, key: key, cacheLimit: cacheLimit)
    }

    /// The pseudonym of an address (made canonical first).
    @inlinable
    public func pseudonym(for address: IPAddress) -> IPAddress {
        let canonical = address.canonical
        if method == .truncate { return Truncation.apply(canonical, prefixes: prefixes) }
        return keyedPseudonym(for: canonical)
    }

    @usableFromInline
    func keyedPseudonym(for canonical: IPAddress) -> IPAddress {
        if let hit = cache[canonical] { return hit }
        let result: IPAddress
        if let cryptoPAn {
            result = cryptoPAn.pseudonym(for: canonical)
        } else {
            result = hmac!.pseudonym(for: canonical)
        }
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[canonical] = result
        return result
    }

    /// Appends the pseudonym of a field's address, in the spelling the field used: an IPv4-mapped input stays
    /// `::ffff:a.b.c.d` under `truncate` and `cryptopan`; `hmac` writes a plain IPv4 pseudonym.
    ///
    /// - Returns: whether `cryptopan` mapped the address onto itself (a fixed point of its key: see the README's
    ///   "Crypto-PAn's fixed points"); always false for the other methods.
    @inlinable
    @discardableResult
    public func writePseudonym(of field: AddressField, into out: inout [UInt8]) -> Bool {
        let result = pseudonym(for: field.address)
        result.write(into: &out, mappedForm: field.isMapped && method != .hmac)
        return method == .cryptopan && result == field.address.canonical
    }

    /// Appends what replaces a value that should hold an address but does not: `-` under `truncate`, a keyed
    /// token (`x-` and 16 hex digits) otherwise.
    public func writeNonAddress(_ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if let hmac {
            out.append(contentsOf: hmac.token(for: value))
        } else {
            out.append(UInt8(ascii: "-"))
        }
    }

    /// Appends a keyed token of a remote user name (`u-` and 16 hex digits) under this anonymizer's key; `-` under
    /// `truncate`, which has no key (the configuration refuses `remote_user = "hash"` with it).
    public func writeUserToken(_ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if let hmac {
            out.append(contentsOf: hmac.userToken(for: value))
        } else {
            out.append(UInt8(ascii: "-"))
        }
    }
}

@available(*, unavailable)
extension Anonymizer: Sendable {}
