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
    /// Addresses the fallback scanner found in unparsable lines (also counted by family).
    public var scannerAddresses = 0
    public var bytesIn = 0
    public var bytesOut = 0

    public init() {}

    /// Lines dropped for any reason.
    public var linesDropped: Int { dropped.values.reduce(0, +) }

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
        dropped.merge(other.dropped, uniquingKeysWith: +)
        unparsable += other.unparsable
        tooLong += other.tooLong
        ipv4Addresses += other.ipv4Addresses
        ipv6Addresses += other.ipv6Addresses
        mappedAddresses += other.mappedAddresses
        nonAddressValues += other.nonAddressValues
        scannerAddresses += other.scannerAddresses
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
    }
}
