import Glibc

/// Finds what in pseudonymized output can still be a client address under the method that wrote it.
///
/// Each line is scanned with ``FallbackScanner/forEachAddress(_:from:to:includingNoHost:_:)`` as it is, and again with its escapes
/// decoded as the anonymizer decodes them (``PercentDecoding``: `81%2E2%2E69%2E7`, `%252E`, `\x22`). A finding is an
/// address token that the method could not have written:
///
/// - `truncate`: truncation would change it (it has bits set past the prefix; an IPv4-mapped address is its IPv4
///   address, and the IPv4 address inside 6to4 and NAT64 addresses must be truncated too);
/// - `hmac`: it lies outside the pseudonym ranges, `240.0.0.0/5` and `2001:db8::/32`.
///
/// Under both, an address that ``IPAddress/identifiesNoHost`` (`Chrome/120.0.0.0`) is not a finding.
/// `cryptopan` output cannot be checked this way: it maps addresses to addresses that look routable.
///
/// ```swift
/// let verifier = OutputVerifier(rule: .truncate(.ga))
/// let line = Array("81.2.69.0 - - GET /?ip=81%2E2%2E69%2E7".utf8)
/// line.withUnsafeBufferPointer { verifier.findings(in: $0, from: 0, to: $0.count) }  // 1
/// ```
///
/// The verifier keeps scratch buffers between calls, so one instance serves one thread.
public final class OutputVerifier {
    /// What the output was written under.
    public enum Rule: Sendable, Equatable {
        /// `truncate` with these prefixes.
        case truncate(TruncationPrefixes)
        /// `hmac` (construction v1).
        case hmac
    }

    /// The rule findings are judged by.
    public let rule: Rule
    /// The distinct canonical addresses found in the current call.
    private var seen: Set<IPAddress> = []
    private let decoding = PercentDecoding()

    /// A verifier for output written under `rule`.
    public init(rule: Rule) {
        self.rule = rule
    }

    /// A verifier for output written under `method`; `nil` for `cryptopan`, whose output cannot be verified by
    /// scanning.
    ///
    /// - Parameters:
    ///   - method: the method the output was written under.
    ///   - prefixes: the prefixes of `truncate` (ignored by the other methods).
    public convenience init?(method: AnonymizationMethod, prefixes: TruncationPrefixes) {
        switch method {
        case .truncate: self.init(rule: .truncate(prefixes))
        case .hmac: self.init(rule: .hmac)
        case .cryptopan: return nil
        }
    }

    /// Whether one address, as parsed, can still be a client address under the rule.
    public func isFinding(_ address: IPAddress) -> Bool {
        let canonical = address.canonical
        if canonical.identifiesNoHost { return false }
        switch rule {
        case .truncate(let prefixes):
            return Truncation.apply(canonical, prefixes: prefixes) != canonical
        case .hmac:
            switch canonical {
            case .v4(let value): return value >> 27 != 0x1E  // 240.0.0.0/5
            case .v6(let hi, _): return hi >> 32 != 0x2001_0DB8  // 2001:db8::/32
            }
        }
    }

    /// The number of findings in one line (or one piece of a long line): the distinct addresses that are findings,
    /// seen in the raw bytes or with their escapes decoded (``PercentDecoding``: `%XX` up to three rounds, `\xXX`).
    /// An address seen both ways counts once.
    ///
    /// - Parameters:
    ///   - bytes: the buffer holding the line.
    ///   - start: where the line starts.
    ///   - end: where it ends, without the newline.
    /// - Returns: how many distinct finding addresses the line holds.
    public func findings(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        precondition(start >= 0 && start <= end && end <= bytes.count, "range outside the buffer")
        seen.removeAll(keepingCapacity: true)
        FallbackScanner.forEachAddressDecoded(bytes, from: start, to: end, decoding: decoding) { field in
            if isFinding(field.address) { seen.insert(field.address.canonical) }
        }
        return seen.count
    }
}

@available(*, unavailable)
extension OutputVerifier: Sendable {}
