/// Finds every IPv4- or IPv6-looking token in bytes that did not parse, and replaces it with its pseudonym.
///
/// The scanner fails closed: it looks at runs of `[0-9A-Fa-f:.]`. A run that parses as an IPv6 address is
/// replaced whole; in any other run every dotted quad (1–3 digits a part, each at most 255, leading zeros
/// allowed) that does not start in the middle of a number is replaced. So `a.b.c.d:port`, `[v6]:port`,
/// `v6%zone` and addresses glued to letters are all caught.
public enum FallbackScanner: Sendable {
    /// Appends `bytes[start..<end]` with every address-looking token replaced.
    ///
    /// - Returns: how many addresses were replaced.
    @discardableResult
    public static func scrub(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        anonymizer: Anonymizer,
        counters: inout RunCounters,
        into out: inout [UInt8]
    ) -> Int {
        var found = 0
        var copied = start
        forEachAddress(bytes, from: start, to: end) { field in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<field.range.lowerBound]))
            counters.countAddress(field.address)
            anonymizer.writePseudonym(of: field, into: &out)
            copied = field.range.upperBound
            found &+= 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<end]))
        counters.scannerAddresses &+= found
        return found
    }

    /// Calls `body` with every address-looking token in `bytes[start..<end]`, in order (the tokens ``scrub`` would
    /// replace). `forget` uses it to find the lines that hold one pseudonym.
    public static func forEachAddress(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        _ body: (AddressField) -> Void
    ) {
        var i = start
        while i < end {
            guard isRunByte(bytes[i]) else {
                i &+= 1
                continue
            }
            var j = i &+ 1
            var colons = bytes[i] == UInt8(ascii: ":") ? 1 : 0
            var dots = 0
            while j < end && isRunByte(bytes[j]) {
                if bytes[j] == UInt8(ascii: ":") { colons &+= 1 } else if bytes[j] == UInt8(ascii: ".") { dots &+= 1 }
                j &+= 1
            }
            if colons >= 2, let (address, range) = v6Token(bytes, from: i, to: j) {
                body(AddressField(address: address, range: range))
            } else if dots >= 3 {
                var p = i
                while p < j {
                    let startsNumber = isDigit(bytes[p]) && (p == i || !isDigit(bytes[p - 1]))
                    if startsNumber, let (value, quadEnd) = quad(bytes, from: p, to: j) {
                        body(AddressField(address: .v4(value), range: p..<quadEnd))
                        p = quadEnd
                    } else {
                        p &+= 1
                    }
                }
            }
            i = j
        }
    }

    /// Where a long line may be cut into pieces without cutting an address-looking token: just after the last
    /// byte that cannot belong to one. Returns `start` when all the bytes could belong to one run.
    public static func safeCut(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = end
        while i > start {
            if !isRunByte(bytes[i - 1]) { return i }
            i -= 1
        }
        return start
    }

    @inlinable
    static func isRunByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x3A) || c == UInt8(ascii: ".") || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
    }

    @inlinable
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The run as an IPv6 address, allowing for trailing punctuation (`2001:db8::1.` at the end of a sentence,
    /// `…::1:` before a port-less colon) and for hex letters glued to its front (`cafe2001:db8::1`).
    private static func v6Token(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int
    ) -> (
        IPAddress, Range<Int>
    )? {
        var firstColon = start
        while firstColon < end && bytes[firstColon] != UInt8(ascii: ":") { firstColon += 1 }
        var from = start
        if firstColon - start > 4 { from = firstColon - 4 }
        while from < firstColon || from == start {
            var stop = end
            while stop > from {
                if let address = IPAddress.parseV6(bytes, from: from, to: stop) { return (address, from..<stop) }
                let last = bytes[stop - 1]
                guard last == UInt8(ascii: ".") || last == UInt8(ascii: ":") || end - stop < 6 else { break }
                stop -= 1
            }
            if from == start && firstColon - start <= 4 { break }
            from += 1
        }
        return nil
    }

    /// A dotted quad starting at `start`; leading zeros are accepted here (fail closed).
    private static func quad(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (UInt32, Int)? {
        var value: UInt32 = 0
        var i = start
        for part in 0..<4 {
            var number: UInt32 = 0
            var digits = 0
            while i < end && isDigit(bytes[i]) && digits < 4 {
                number = number * 10 + UInt32(bytes[i] - 0x30)
                digits += 1
                i += 1
            }
            guard digits >= 1, digits <= 3, number <= 255 else { return nil }
            value = value << 8 | number
            if part < 3 {
                guard i < end && bytes[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return (value, i)
    }
}
