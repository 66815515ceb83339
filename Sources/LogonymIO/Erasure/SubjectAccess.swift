import Foundation
public import LogonymCore

/// `logonym access`: a data subject's lines, as stored, from every window whose key still exists. The lines are
/// found as `forget` finds them (an ``ErasurePlan``: the address's pseudonym per window, never the address) and read
/// from the segments up to their committed lengths, so it works while the daemon writes.
public struct SubjectAccess {
    public let store: StateStore
    public let window: WindowLength
    /// What opens encrypted segments.
    public let keys: SegmentKeys

    public init(store: StateStore, window: WindowLength, keys: SegmentKeys = SegmentKeys()) {
        self.store = store
        self.window = window
        self.keys = keys
    }

    /// What was found: per linked window the lines holding the subject's pseudonym, and the windows that cannot
    /// be linked any more.
    public struct Report: Encodable, Sendable {
        public struct Window: Encodable, Sendable {
            public var window: String
            public var lines: Int64
        }

        public var method: AnonymizationMethod
        public var windows: [Window] = []
        public var unlinkable: [String] = []
        public var lines: Int64 { windows.reduce(0) { $0 + $1.lines } }

        enum CodingKeys: String, CodingKey {
            case method, windows, unlinkable, lines
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(method, forKey: .method)
            try container.encode(windows, forKey: .windows)
            try container.encode(unlinkable, forKey: .unlinkable)
            try container.encode(lines, forKey: .lines)
        }
    }

    /// The segments as committed now, in window, input and part order: what one access reads, counted and shown
    /// alike while the daemon goes on writing.
    public func segments() throws -> [StateStore.SegmentRecord] {
        try store.segments().sorted { ($0.windowStart, $0.input, $0.part) < ($1.windowStart, $1.input, $1.part) }
    }

    /// Calls `body` with every line of the plan's windows in `segments` (up to their lengths there) that holds
    /// their pseudonym (window name, line bytes without the newline), in window order and in each window's segment
    /// order.
    @discardableResult
    public func run(
        _ plan: ErasurePlan,
        segments: [StateStore.SegmentRecord],
        _ body: (String, UnsafeBufferPointer<UInt8>) throws -> Void = { _, _ in }
    ) throws -> Report {
        var report = Report(method: plan.method, unlinkable: plan.unlinkable)
        guard plan.method != .truncate else { return report }
        let decoding = PercentDecoding()
        for target in plan.targets {
            guard let pseudonym = IPAddress(target.pseudonym) else { continue }
            let name = target.name(in: window)
            var found: Int64 = 0
            for segment in segments where target.covers(segment) && segment.length > 0 {
                try SegmentLines.forEach(in: segment.path, limit: segment.length, keys: keys) { b, range in
                    guard SegmentLines.line(b, range, holds: pseudonym, decoding: decoding) else { return }
                    found += 1
                    try body(name, UnsafeBufferPointer(rebasing: b[range]))
                }
            }
            if found > 0 { report.windows.append(.init(window: name, lines: found)) }
        }
        return report
    }
}

@available(*, unavailable)
extension SubjectAccess: Sendable {}
