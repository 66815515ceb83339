/// An address found in a field of a log line, with the exact bytes its text occupies.
///
/// Only `range` is replaced when the address is pseudonymized; brackets, a zone id and a port around it stay as
/// they were written.
public struct AddressField: Sendable, Equatable {
    /// The address as parsed (not yet canonical).
    public var address: IPAddress
    /// The bytes of the address text, without brackets, zone id or port.
    public var range: Range<Int>

    /// Whether the text was an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
    @inlinable
    public var isMapped: Bool { address.mappedIPv4 != nil }

    @inlinable
    public init(address: IPAddress, range: Range<Int>) {
        self.address = address
        self.range = range
    }

    /// Parses a whole field as one address in any of the forms logs use: `a.b.c.d`, `a.b.c.d:port`, IPv6 in any
    /// spelling, `v6%zone`, `[v6]`, `[v6%zone]:port`.
    ///
    /// - Returns: `nil` when the field is anything else (a hostname, `unknown`, garbage, a dotted quad with a
    ///   leading zero).
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> AddressField? {
        guard start < end else { return nil }
        if bytes[start] == UInt8(ascii: "[") {
            // [v6] or [v6%zone], optionally followed by :port
            var close = start + 1
            while close < end && bytes[close] != UInt8(ascii: "]") { close &+= 1 }
            guard close < end else { return nil }
            if close + 1 < end {
                guard bytes[close + 1] == UInt8(ascii: ":"), isPort(bytes, from: close + 2, to: end) else { return nil }
            }
            let addressEnd = zoneStart(bytes, from: start + 1, to: close) ?? close
            guard let address = IPAddress.parseV6(bytes, from: start + 1, to: addressEnd) else { return nil }
            return AddressField(address: address, range: (start + 1)..<addressEnd)
        }
        var colons = 0
        var lastColon = -1
        var i = start
        while i < end {
            if bytes[i] == UInt8(ascii: ":") {
                colons &+= 1
                lastColon = i
            }
            i &+= 1
        }
        if colons == 1 {
            // a.b.c.d:port
            guard isPort(bytes, from: lastColon + 1, to: end),
                let v4 = IPAddress.parseV4(bytes, from: start, to: lastColon)
            else { return nil }
            return AddressField(address: .v4(v4), range: start..<lastColon)
        }
        let addressEnd = colons > 1 ? (zoneStart(bytes, from: start, to: end) ?? end) : end
        guard let address = IPAddress.parse(bytes, from: start, to: addressEnd) else { return nil }
        return AddressField(address: address, range: start..<addressEnd)
    }

    @inlinable
    static func isPort(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard start < end, end - start <= 5 else { return false }
        for i in start..<end where bytes[i] < 0x30 || bytes[i] > 0x39 { return false }
        return true
    }

    /// The index of a `%` that starts a non-empty zone id made of `[A-Za-z0-9._~-]`, if the text has one.
    @inlinable
    static func zoneStart(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = start
        while i < end && bytes[i] != UInt8(ascii: "%") { i &+= 1 }
        guard i < end, i + 1 < end else { return nil }
        for j in (i + 1)..<end {
            let c = bytes[j]
            let ok =
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~") || c == UInt8(ascii: "-")
            if !ok { return nil }
        }
        return i
    }
}
