extension IPAddress {
    /// Whether this address-looking token can identify no host, so that it is neither pseudonymized nor reported.
    ///
    /// That is an IPv4 address whose last three octets are zero (`N.0.0.0`, also written `::ffff:N.0.0.0`): the
    /// version `120.0.0.0` in every modern Chrome user agent (`Chrome/120.0.0.0`) looks like an address but names a
    /// whole `/8`, never a visitor. This is the one place the rule lives: the fallback scanner and the output
    /// verifier both ask it.
    ///
    /// ```swift
    /// IPAddress("120.0.0.0")!.identifiesNoHost  // true
    /// IPAddress("81.2.69.0")!.identifiesNoHost  // false
    /// ```
    ///
    /// Nor does an address in `0.0.0.0/8` ("this network", never the source of a request: the Facebook app's
    /// `FBAV/482.0.0.38.109` holds `0.0.38.109`), or the unspecified IPv6 address `::` (which stands in text for
    /// other things: `a::b`). Every other address can identify a host.
    @inlinable
    public var identifiesNoHost: Bool {
        switch canonical {
        case .v4(let value): value & 0x00FF_FFFF == 0 || value >> 24 == 0
        case .v6(let hi, let lo): hi == 0 && lo == 0
        }
    }
}
