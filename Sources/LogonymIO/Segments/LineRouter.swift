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

    func line(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        processor.process(b, from: start, to: end, into: &state.out)
        route(&state.out)
    }

    func longLine(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        processor.beginLongLine(into: &state.out)
        processor.processLongLinePiece(b, from: start, to: end, into: &state.out)
        processor.endLongLine(into: &state.out)
        route(&state.out)
    }

    /// A line as ``LineFramer`` cut it: processed whole (a long one scrubbed whole), or counted as dropped.
    func take(_ b: UnsafeBufferPointer<UInt8>, _ event: LineFramer.Event) {
        switch event {
        case .line(let start, let end): line(b, start, end)
        case .longLine(let start, let end): longLine(b, start, end)
        case .dropped: processor.countDroppedLine(.tooLong)
        }
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
