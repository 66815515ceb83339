extension PseudonymKey {
    /// HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes (at most 8160).
    public static func hkdfSHA256(inputKey: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        precondition(length > 0 && length <= 255 * 32, "HKDF-SHA256 yields 1 to 8160 bytes")
        let pseudorandomKey = HMACPseudonym.hmacSHA256(
            key: salt.isEmpty ? [UInt8](repeating: 0, count: 32) : salt,
            message: inputKey
        )
        var output: [UInt8] = []
        var block: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            block = HMACPseudonym.hmacSHA256(key: pseudorandomKey, message: block + info + [counter])
            output += block
            counter &+= 1
        }
        return Array(output.prefix(length))
    }

    /// The key of one window in `derived` mode: HKDF-SHA256 of the master secret with the salt
    /// `logonym-window-key-v1` and the info `<length>/<window name>` (for example `1h/2026-11-27T10`), so every node
    /// holding the same master secret derives the same window keys.
    public init(derivedFrom master: PseudonymKey, window: WindowLength, windowStart: Int64) {
        let info = Array("\(window.rawValue)/\(window.name(ofWindowStarting: windowStart))".utf8)
        let bytes = Self.hkdfSHA256(
            inputKey: master.bytes,
            salt: Array("logonym-window-key-v1".utf8),
            info: info,
            length: 32
        )
        self.init(bytes: bytes)!
    }

    /// A tenant's master secret in `derived` mode: HKDF-SHA256 of the fleet's master secret with the salt
    /// `logonym-tenant-key-v1` and the tenant's name as info, so that two tenants' pseudonyms of one address differ
    /// (and are the same on every node).
    public init(tenantMasterFrom master: PseudonymKey, tenant: String) {
        let bytes = Self.hkdfSHA256(
            inputKey: master.bytes,
            salt: Array("logonym-tenant-key-v1".utf8),
            info: Array(tenant.utf8),
            length: 32
        )
        self.init(bytes: bytes)!
    }

    /// A fresh key from the operating system's random source.
    public static func random() -> PseudonymKey {
        PseudonymKey(bytes: SecureRandom.bytes(32))!
    }
}
