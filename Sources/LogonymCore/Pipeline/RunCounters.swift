/// Why a line was not written.
public enum DropReason: String, CaseIterable, Sendable, Codable {
    /// The line did not match the format and `--on-unparsable drop` is set.
    case unparsable
    /// The line was longer than `--max-line-bytes` and `--on-unparsable drop` is set.
    case tooLong = "too_long"
    /// A syslog message arrived while logonym's receive queue was full.
    case overflow
    /// The line's window was already past output retention when it arrived.
    case expired
    /// Damaged compressed input ended inside the line: what followed the damage is lost (a rerun over a repaired
    /// file writes the line whole).
    case damaged
    /// The line holds an address whose owner objected to the processing of their data (`logonym object`).
    case objected
    /// The line's virtual host belongs to no tenant and no default tenant is configured (`[tenants] unrouted`).
    case unrouted
}

/// What a run did, line by line; summed over inputs. Never holds an address.
public struct RunCounters: Sendable, Equatable, Codable {
    public var linesRead = 0
    public var linesWritten = 0
    public var dropped: [DropReason: Int] = [:]
    /// Lines that did not match the format and went through the fallback scanner (or were dropped).
    public var unparsable = 0
    /// Lines over `--max-line-bytes`, scrubbed by the streaming scanner (or dropped).
    public var tooLong = 0
    public var ipv4Addresses = 0
    public var ipv6Addresses = 0
    /// IPv4-mapped IPv6 addresses (also counted as IPv4).
    public var mappedAddresses = 0
    /// Client or forwarded-for values that were not addresses (hostnames, `unknown`, garbage).
    public var nonAddressValues = 0
    /// Addresses the scanner found in unparsable lines and in fields other than address fields (also counted by
    /// family).
    public var scannerAddresses = 0
    /// Addresses `cryptopan` mapped onto themselves (also counted by family): fixed points of the key.
    public var cryptopanUnchanged = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Response status classes of parsed lines: 1xx to 5xx, and anything else (`-`, 0, garbage).
    public var status1xx = 0
    public var status2xx = 0
    public var status3xx = 0
    public var status4xx = 0
    public var status5xx = 0
    public var statusOther = 0
    /// Lines removed from the output later by an erasure (`forget`); never counted by a processor.
    public var linesErased = 0
    /// Values the scrub stage replaced, by `param:NAME` (names from the deny list), `detector:NAME` and
    /// `field:NAME`; never a value.
    public var scrubbed: [String: Int] = [:]

    public init() {}

    /// Counts a status code by its first byte (`2` of `200`).
    @inlinable
    public mutating func countStatus(firstDigit: UInt8?, length: Int) {
        guard length == 3, let firstDigit else {
            statusOther &+= 1
            return
        }
        switch firstDigit {
        case UInt8(ascii: "1"): status1xx &+= 1
        case UInt8(ascii: "2"): status2xx &+= 1
        case UInt8(ascii: "3"): status3xx &+= 1
        case UInt8(ascii: "4"): status4xx &+= 1
        case UInt8(ascii: "5"): status5xx &+= 1
        default: statusOther &+= 1
        }
    }

    /// Every counter by a stable name (the state database's and the stats command's keys); zero ones left out.
    public var named: [(String, Int)] {
        var pairs: [(String, Int)] = [
            ("lines_read", linesRead), ("lines_written", linesWritten), ("lines_dropped", linesDropped),
            ("lines_erased", linesErased),
            ("unparsable", unparsable), ("too_long", tooLong), ("addresses_ipv4", ipv4Addresses),
            ("addresses_ipv6", ipv6Addresses), ("addresses_ipv4_mapped", mappedAddresses),
            ("addresses_fallback_scanner", scannerAddresses), ("addresses_unchanged_cryptopan", cryptopanUnchanged),
            ("non_address_values", nonAddressValues),
            ("bytes_in", bytesIn), ("bytes_out", bytesOut), ("status_1xx", status1xx), ("status_2xx", status2xx),
            ("status_3xx", status3xx), ("status_4xx", status4xx), ("status_5xx", status5xx),
            ("status_other", statusOther),
        ]
        for reason in DropReason.allCases { pairs.append(("dropped_" + reason.rawValue, dropped[reason] ?? 0)) }
        for (key, value) in scrubbed.sorted(by: { $0.key < $1.key }) { pairs.append(("scrubbed_" + key, value)) }
        return pairs.filter { $0.1 != 0 }
    }

    /// Sets a counter by its name (see ``named``); unknown names are ignored.
    public mutating func set(_ name: String, _ value: Int) {
        switch name {
        case "lines_read": linesRead = value
        case "lines_written": linesWritten = value
        case "lines_erased": linesErased = value
        case "unparsable": unparsable = value
        case "too_long": tooLong = value
        case "addresses_ipv4": ipv4Addresses = value
        case "addresses_ipv6": ipv6Addresses = value
        case "addresses_ipv4_mapped": mappedAddresses = value
        case "addresses_fallback_scanner": scannerAddresses = value
        case "addresses_unchanged_cryptopan": cryptopanUnchanged = value
        case "non_address_values": nonAddressValues = value
        case "bytes_in": bytesIn = value
        case "bytes_out": bytesOut = value
        case "status_1xx": status1xx = value
        case "status_2xx": status2xx = value
        case "status_3xx": status3xx = value
        case "status_4xx": status4xx = value
        case "status_5xx": status5xx = value
        case "status_other": statusOther = value
        default:
            if name.hasPrefix("dropped_"), let reason = DropReason(rawValue: String(name.dropFirst(8))) {
                dropped[reason] = value
            } else if name.hasPrefix("scrubbed_") {
                scrubbed[String(name.dropFirst(9))] = value
            }
        }
    }

    /// Lines dropped for any reason.
    public var linesDropped: Int { dropped.values.reduce(0, +) }

    /// Counts an address by its family, and whether `cryptopan` left it as it was.
    @inlinable
    public mutating func countAddress(_ address: IPAddress, unchanged: Bool) {
        countAddress(address)
        if unchanged { cryptopanUnchanged &+= 1 }
    }

    /// Counts an address by its family.
    @inlinable
    public mutating func countAddress(_ address: IPAddress) {
        if address.mappedIPv4 != nil {
            mappedAddresses &+= 1
            ipv4Addresses &+= 1
        } else if case .v4 = address {
            ipv4Addresses &+= 1
        } else {
            ipv6Addresses &+= 1
        }
    }

    /// Adds another set of counters to this one.
    public mutating func add(_ other: RunCounters) {
        linesRead += other.linesRead
        linesWritten += other.linesWritten
        linesErased += other.linesErased
        dropped.merge(other.dropped, uniquingKeysWith: +)
        unparsable += other.unparsable
        tooLong += other.tooLong
        ipv4Addresses += other.ipv4Addresses
        ipv6Addresses += other.ipv6Addresses
        mappedAddresses += other.mappedAddresses
        nonAddressValues += other.nonAddressValues
        scannerAddresses += other.scannerAddresses
        cryptopanUnchanged += other.cryptopanUnchanged
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        status1xx += other.status1xx
        status2xx += other.status2xx
        status3xx += other.status3xx
        status4xx += other.status4xx
        status5xx += other.status5xx
        statusOther += other.statusOther
        scrubbed.merge(other.scrubbed, uniquingKeysWith: +)
    }
}
