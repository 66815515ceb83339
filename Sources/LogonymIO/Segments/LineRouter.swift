import Foundation
import LogonymCore

/// Where an input's lines went last: the window of the last line (for lines without a time) and the newest line
/// time seen (for closing windows).
final class RoutingState {
    var lastWindow: Int64?
    var watermark: Int64 = .min
    var out: [UInt8] = []

    init() {
        out.reserveCapacity(4096)
    }
}

@available(*, unavailable)
extension RoutingState: Sendable {}

/// Runs lines through an input's processor and puts each result into the segment of its window: the line's own
/// time, else the window of the line before it, else the current wall-clock window.
struct LineRouter {
    let processor: LineProcessor
    let segments: SegmentSet
    let window: WindowLength
    let state: RoutingState

    func line(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        processor.process(b, from: start, to: end, into: &state.out)
        route(processor.lastLineTime)
    }

    func longLine(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        processor.beginLongLine(into: &state.out)
        processor.processLongLinePiece(b, from: start, to: end, into: &state.out)
        processor.endLongLine(into: &state.out)
        route(nil)
    }

    private func route(_ time: Int64?) {
        guard !state.out.isEmpty else { return }
        let windowStart: Int64
        if let time {
            windowStart = window.start(of: time)
            state.watermark = max(state.watermark, time)
        } else {
            windowStart = state.lastWindow ?? window.start(of: Int64(Date().timeIntervalSince1970))
        }
        state.lastWindow = windowStart
        segments.append(state.out[...], windowStart: windowStart)
        state.out.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension LineRouter: Sendable {}
