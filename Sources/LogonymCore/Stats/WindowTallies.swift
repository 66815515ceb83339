/// What a line processor counted, per window: ``RunCounters`` and, when distinct clients are counted, a HyperLogLog
/// sketch of client hashes keyed by the window's key, for every window seen since the last ``take()``, plus one of
/// each for lines counted before any window was known.
///
/// Raw memory, so that per-line increments cost no exclusivity checks: the owner counts through ``current`` and
/// ``countClient(_:)``, and calls ``deallocate()`` once it is done.
struct WindowTallies {
    /// The counters lines are counted into: the current window's, else ``unassigned``.
    private(set) var current: UnsafeMutablePointer<RunCounters>
    /// Lines counted before any window was known (all lines, without windows).
    private let unassigned: UnsafeMutablePointer<RunCounters>
    /// Counters per window not yet taken by ``take()``.
    private var byWindow: [Int64: UnsafeMutablePointer<RunCounters>] = [:]
    /// What ``take()`` handed out so far.
    private var taken = RunCounters()
    /// Whether distinct clients are counted.
    let countsClients: Bool
    /// The current window's client hash (`nil`: its clients are not counted).
    var clientHasher: SipHash?
    /// The sketch clients are counted into, beside ``current``.
    private var sketch: UnsafeMutablePointer<HyperLogLog>?
    private let unassignedSketch: UnsafeMutablePointer<HyperLogLog>?
    /// Per window, beside ``byWindow`` (the same keys).
    private var sketches: [Int64: UnsafeMutablePointer<HyperLogLog>] = [:]

    init(countsClients: Bool) {
        self.countsClients = countsClients
        if countsClients {
            unassignedSketch = .allocate(capacity: 1)
            unassignedSketch!.initialize(to: HyperLogLog(precision: HyperLogLog.clientsPrecision))
        } else {
            unassignedSketch = nil
        }
        sketch = unassignedSketch
        unassigned = .allocate(capacity: 1)
        unassigned.initialize(to: RunCounters())
        current = unassigned
    }

    /// Frees the counters and sketches; the tallies are not used afterwards.
    func deallocate() {
        for counters in [unassigned] + Array(byWindow.values) {
            counters.deinitialize(count: 1)
            counters.deallocate()
        }
        for sketch in Array(sketches.values) + [unassignedSketch].compactMap({ $0 }) {
            sketch.deinitialize(count: 1)
            sketch.deallocate()
        }
    }

    /// Everything counted so far, taken or not.
    var total: RunCounters {
        var total = taken
        total.add(unassigned.pointee)
        for counters in byWindow.values { total.add(counters.pointee) }
        return total
    }

    /// Counts a client address into the current window's sketch (when that window's clients are counted).
    @inline(__always)
    func countClient(_ address: IPAddress) {
        if let clientHasher { sketch!.pointee.add(clientHasher.hash(address)) }
    }

    /// The counters of the window starting at `start`, made when it has none yet.
    mutating func counters(forWindowStarting start: Int64) -> UnsafeMutablePointer<RunCounters> {
        if let existing = byWindow[start] { return existing }
        let made = UnsafeMutablePointer<RunCounters>.allocate(capacity: 1)
        made.initialize(to: RunCounters())
        byWindow[start] = made
        return made
    }

    /// Makes `next`, the counters of the window starting at `start`, current (with that window's sketch), and
    /// moves the line being counted there: its read count and `lineBytes`, and with `longLine` its too-long mark.
    mutating func moveLine(
        to next: UnsafeMutablePointer<RunCounters>,
        windowStart start: Int64,
        lineBytes: Int,
        longLine: Bool
    ) {
        if countsClients {
            if let existing = sketches[start] {
                sketch = existing
            } else {
                let made = UnsafeMutablePointer<HyperLogLog>.allocate(capacity: 1)
                made.initialize(to: HyperLogLog(precision: HyperLogLog.clientsPrecision))
                sketches[start] = made
                sketch = made
            }
        }
        current.pointee.linesRead &-= 1
        current.pointee.bytesIn &-= lineBytes
        next.pointee.linesRead &+= 1
        next.pointee.bytesIn &+= lineBytes
        if longLine {
            current.pointee.tooLong &-= 1
            next.pointee.tooLong &+= 1
        }
        current = next
    }

    /// The counters and client sketches gathered since the last call, per window (`nil`: lines counted before any
    /// window was known), and starts afresh; windows other than the current one are let go.
    mutating func take() -> [(windowStart: Int64?, counters: RunCounters, clients: HyperLogLog?)] {
        func take(
            _ counters: UnsafeMutablePointer<RunCounters>,
            _ sketch: UnsafeMutablePointer<HyperLogLog>?
        )
            -> (RunCounters, HyperLogLog?)?
        {
            let clients = sketch.flatMap { $0.pointee.isEmpty ? nil : $0.pointee }
            defer {
                counters.pointee = RunCounters()
                if clients != nil { sketch!.pointee = HyperLogLog(precision: HyperLogLog.clientsPrecision) }
            }
            return counters.pointee != RunCounters() || clients != nil ? (counters.pointee, clients) : nil
        }
        var result: [(windowStart: Int64?, counters: RunCounters, clients: HyperLogLog?)] = []
        if let (counters, clients) = take(unassigned, unassignedSketch) { result.append((nil, counters, clients)) }
        for (start, counters) in byWindow.sorted(by: { $0.key < $1.key }) {
            if let (taken, clients) = take(counters, sketches[start]) { result.append((start, taken, clients)) }
            guard counters != current else { continue }
            counters.deinitialize(count: 1)
            counters.deallocate()
            byWindow[start] = nil
            if let sketch = sketches.removeValue(forKey: start) {
                sketch.deinitialize(count: 1)
                sketch.deallocate()
            }
        }
        for entry in result { taken.add(entry.counters) }
        return result
    }
}

@available(*, unavailable)
extension WindowTallies: Sendable {}
