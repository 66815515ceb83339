import LogonymCore

/// The newest line time an input has seen (for closing windows) and its output buffer.
final class RoutingState {
    var watermark: Int64 = .min
    var out: [UInt8] = []

    init() {
        out.reserveCapacity(4096)
    }
}

@available(*, unavailable)
extension RoutingState: Sendable {}

/// Runs lines through an input's processor and puts each result into the segment of the window the processor
/// assigned it to (the line's own time, else the window of the line before it, else the current window).
struct LineRouter {
    let processor: LineProcessor
    let segments: SegmentSet
    let state: RoutingState

    /// A line as ``LineFramer`` cut it: processed (a long one piece by piece, routed once whole), or counted as
    /// dropped.
    func take(_ b: UnsafeBufferPointer<UInt8>, _ event: LineFramer.Event) {
        if processor.run(event, b, into: &state.out) != nil { route(&state.out) }
    }

    /// Moves the line just processed (all of `out`) into its window's segment.
    func route(_ out: inout [UInt8]) {
        guard !out.isEmpty, let windowStart = processor.lastWindowStart else { return }
        if let time = processor.lastLineTime { state.watermark = max(state.watermark, time) }
        processor.countOutputBytes(out.count)
        segments.append(out[...], windowStart: windowStart)
        out.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension LineRouter: Sendable {}

extension LineProcessor {
    /// Runs what ``LineFramer`` cut into `out`: a line, a piece of an overlong one (begun on its first piece,
    /// ended on its last), or a dropped line, counted. Returns where the line ended once it is complete in `out`.
    @inline(__always)
    func run(_ event: LineFramer.Event, _ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Int? {
        switch event {
        case .line(let start, let end):
            process(b, from: start, to: end, into: &out)
            return end
        case .piece(let start, let end, let begins, let ends):
            if begins { beginLongLine(into: &out) }
            processLongLinePiece(b, from: start, to: end, into: &out)
            guard ends else { return nil }
            endLongLine(into: &out)
            return end
        case .dropped:
            countDroppedLine(.tooLong)
            return nil
        }
    }
}
