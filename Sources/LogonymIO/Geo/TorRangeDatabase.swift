import Foundation
import Glibc
public import LogonymCore

/// The Tor range files of Debian's `tor-geoipdb` (`/usr/share/tor/geoip`, `geoip6`), read directly: sorted,
/// inclusive `START,END,CC` ranges (decimal IPv4, textual IPv6). `??` means unknown, `UK` is `GB`, and `EU` and
/// `AP` name a continent only (Europe, Asia-Pacific).
public final class TorRangeDatabase: GeoDatabase {
    public let paths: [String]
    private let v4: Ranges<UInt32>
    private let v6: Ranges<UInt128>

    /// Sorted, disjoint, inclusive ranges with their codes.
    struct Ranges<T: FixedWidthInteger & Sendable>: Sendable {
        var starts: [T] = []
        var ends: [T] = []
        var codes: [UInt16] = []

        mutating func add(_ start: T, _ end: T, _ code: UInt16) -> Bool {
            guard start <= end else { return false }
            starts.append(start)
            ends.append(end)
            codes.append(code)
            return true
        }

        var isSorted: Bool { starts.indices.dropFirst().allSatisfy { starts[$0] > ends[$0 - 1] } }

        /// The code of the last range starting at or before `value`, if it holds `value`.
        func find(_ value: T) -> UInt16? {
            var low = 0
            var high = starts.count
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] <= value { low = middle + 1 } else { high = middle }
            }
            guard low > 0, value <= ends[low - 1] else { return nil }
            return codes[low - 1]
        }
    }

    /// Reads the IPv4 file and/or the IPv6 file (on two threads: the real files hold some 660,000 lines); a line
    /// that is not a range fails, naming the file and line.
    public init(ipv4: String?, ipv6: String?) throws(LogonymIOError) {
        paths = [ipv4, ipv6].compactMap { $0 }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 2) { family in
            do {
                if family == 0, let ipv4 {
                    var ranges = Ranges<UInt32>()
                    try Self.read(ipv4) { b, start, end, code in
                        guard let s = IPAddress.parseDecimal32(b, start), let e = IPAddress.parseDecimal32(b, end)
                        else { return false }
                        return ranges.add(s, e, code)
                    }
                    results.set(v4: ranges)
                } else if family == 1, let ipv6 {
                    var ranges = Ranges<UInt128>()
                    try Self.read(ipv6) { b, start, end, code in
                        guard
                            case .v6(let sh, let sl)? = IPAddress.parseV6(
                                b,
                                from: start.lowerBound,
                                to: start.upperBound
                            ),
                            case .v6(let eh, let el)? = IPAddress.parseV6(b, from: end.lowerBound, to: end.upperBound)
                        else { return false }
                        return ranges.add(UInt128(sh) << 64 | UInt128(sl), UInt128(eh) << 64 | UInt128(el), code)
                    }
                    results.set(v6: ranges)
                }
            } catch {
                results.fail(error)
            }
        }
        let (v4, v6, failure) = results.value
        if let failure { throw failure }
        self.v4 = v4
        self.v6 = v6
        guard v4.isSorted, v6.isSorted else {
            throw LogonymIOError(
                code: .invalidDatabase,
                path: paths.joined(separator: ", "),
                message: "the ranges are not sorted and disjoint"
            )
        }
    }

    /// What the two loading threads produce.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var v4 = Ranges<UInt32>()
        private var v6 = Ranges<UInt128>()
        private var failure: LogonymIOError?

        func set(v4 ranges: Ranges<UInt32>) { lock.withLock { v4 = ranges } }
        func set(v6 ranges: Ranges<UInt128>) { lock.withLock { v6 = ranges } }
        func fail(_ error: any Error) { lock.withLock { failure = failure ?? (error as? LogonymIOError) } }
        var value: (Ranges<UInt32>, Ranges<UInt128>, LogonymIOError?) { lock.withLock { (v4, v6, failure) } }
    }

    /// Ranges read (IPv4 and IPv6).
    public var rangeCount: Int { v4.starts.count + v6.starts.count }

    public func lookup(_ address: IPAddress) -> GeoBucket {
        let code: UInt16?
        switch address {
        case .v4(let value): code = v4.find(value)
        case .v6(let hi, let lo): code = v6.find(UInt128(hi) << 64 | UInt128(lo))
        }
        guard let code, code != 0 else { return .unknown }
        switch code {
        case Self.europe: return GeoBucket(continent: GeoCode.pack(UInt8(ascii: "E"), UInt8(ascii: "U")))
        case Self.asiaPacific: return GeoBucket(continent: GeoCode.pack(UInt8(ascii: "A"), UInt8(ascii: "S")))
        default:
            return GeoBucket(continent: ContinentTable.continent(ofCountry: code) ?? 0, country: code)
        }
    }

    static let europe = GeoCode.pack(UInt8(ascii: "E"), UInt8(ascii: "U"))
    static let asiaPacific = GeoCode.pack(UInt8(ascii: "A"), UInt8(ascii: "P"))

    /// Calls `add` with every data line's start and end ranges and its code (`??` as 0, `UK` as `GB`), straight
    /// from the bytes (the real files hold some 660,000 lines).
    private static func read(
        _ path: String,
        _ add: (UnsafeBufferPointer<UInt8>, Range<Int>, Range<Int>, UInt16) -> Bool
    ) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LogonymIOError.system("open", path: path, errno: access(path, R_OK) == 0 ? EIO : errno)
        }
        let bad: Int? = data.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            var number = 0
            var lineStart = 0
            while lineStart < b.count {
                number += 1
                let lineEnd =
                    memchr(b.baseAddress! + lineStart, 0x0A, b.count - lineStart).map {
                        b.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self))
                    } ?? b.count
                let start = lineStart
                lineStart = lineEnd + 1
                var end = lineEnd
                if end > start && b[end - 1] == 0x0D { end -= 1 }
                if end == start || b[start] == UInt8(ascii: "#") { continue }
                // START,END,CC: the code is the last two bytes, after the second comma.
                guard end - start >= 6, b[end - 3] == UInt8(ascii: ",") else { return number }
                var firstComma = start
                while firstComma < end - 3 && b[firstComma] != UInt8(ascii: ",") { firstComma += 1 }
                guard firstComma < end - 3 else { return number }
                let first = b[end - 2]
                let second = b[end - 1]
                var code: UInt16
                if first == UInt8(ascii: "?") && second == UInt8(ascii: "?") {
                    code = 0
                } else if isLetter(first) && isLetter(second) {
                    code = GeoCode.pack(first & ~0x20, second & ~0x20)
                    if code == ukCode { code = gbCode }
                } else {
                    return number
                }
                guard add(b, start..<firstComma, (firstComma + 1)..<(end - 3), code) else { return number }
            }
            return nil
        }
        if let bad {
            throw LogonymIOError(
                code: .invalidDatabase,
                path: path,
                message: "line \(bad) is not a START,END,CC range of the Tor geoip format"
            )
        }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    static let ukCode = GeoCode.pack(UInt8(ascii: "U"), UInt8(ascii: "K"))
    static let gbCode = GeoCode.pack(UInt8(ascii: "G"), UInt8(ascii: "B"))
}

extension IPAddress {
    /// A decimal `UInt32` (the Tor IPv4 range format) in `b[range]`.
    static func parseDecimal32(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32? {
        guard !range.isEmpty, range.count <= 10 else { return nil }
        var value: UInt64 = 0
        for i in range {
            let digit = b[i] &- 0x30
            guard digit <= 9 else { return nil }
            value = value * 10 + UInt64(digit)
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }
}

@available(*, unavailable)
extension TorRangeDatabase: Sendable {}
