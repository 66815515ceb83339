import Foundation
import Logging
import LogonymCore

extension TailEngine {
    /// The daemon's share of maintenance: requests from `forget` and `retention` (checked every second) and a
    /// retention sweep every `sweepInterval`, each after a commit so that the state database is current.
    func maintain() throws {
        let now = ContinuousClock.now
        if now - lastRequestCheck >= .seconds(1) {
            lastRequestCheck = now
            // Reads left by members of state.group join the chain within a second.
            try maintenance.audit.ingestInbox()
            try maintenance.servePendingRequests(
                owned: Set(trackers.map(\.name)),
                logger: logger,
                beforeServing: { try commit() },
                prepare: { request in
                    if case .retention(let at) = request { closeStaleWindows(now: at) }
                },
                rewritten: { apply($0) }
            )
        }
        if now - lastSweep >= settings.sweepInterval {
            lastSweep = now
            let at = Int64(Date().timeIntervalSince1970)
            closeStaleWindows(now: at)
            try commit()
            let plan = try maintenance.sweep(now: at, mayClose: { _ in false })
            onSweep?(plan)
            if !plan.items.isEmpty {
                logger.notice(
                    "retention: deleted \(plan.count("segment")) segments, \(plan.count("key")) keys, \(plan.count("raw_input")) raw inputs (\(plan.bytes) bytes)"
                )
            }
        }
    }

    /// Closes the segments of windows that ended longer ago than key retention (by the clock): an idle input's
    /// last window is done with, and its key can go.
    func closeStaleWindows(now: Int64) {
        for tracker in trackers {
            for route in tracker.routes.routes {
                let retention = maintenance.scope(tenant: route.tenant)?.settings.retention ?? settings.retention
                route.segments.closeWindows(before: now, grace: retention.keySeconds(settings.window))
            }
        }
    }

    /// Open segments rewritten by an erasure continue at their new length, in their new file.
    func apply(_ rewritten: [StateStore.SegmentRecord]) {
        for record in rewritten {
            for tracker in trackers {
                for segments in tracker.routes.segmentSets where segments.input == record.input {
                    segments.replaced(record)
                }
            }
        }
    }
}
