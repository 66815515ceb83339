import Foundation
import GRDB
import Glibc
public import LogonymCore

/// What `forget` removes: per window that has output, the pseudonym the address had there, or that the window
/// can no longer be linked (its key was destroyed). Holds pseudonyms only, never the address, so it can be handed
/// to the daemon through the state database.
public struct ErasurePlan: Codable, Sendable, Equatable {
    /// A window whose key still exists, and the address's pseudonym in it (canonical text).
    public struct Target: Codable, Sendable, Equatable {
        public var windowStart: Int64
        public var pseudonym: String
        /// The tenant whose segments of the window hold it (`nil`: a configuration without tenants).
        public var tenant: String?

        /// The window's name, after its tenant's (`acme/2026-11-27T10`) with tenants.
        public func name(in window: WindowLength) -> String {
            let name = window.name(ofWindowStarting: windowStart)
            return tenant.map { "\($0)/\(name)" } ?? name
        }

        /// Whether a segment is one of the target's: of its window, and of its tenant's sources.
        public func covers(_ segment: StateStore.SegmentRecord) -> Bool {
            segment.windowStart == windowStart && TenantSettings.tenant(ofSource: segment.input) == tenant
        }
    }

    public var method: AnonymizationMethod
    public var targets: [Target] = []
    /// Names of windows with output whose key is gone.
    public var unlinkable: [String] = []
    /// Tenants no longer configured whose segments were not searched (their method is not known any more): remove
    /// them with `logonym tenant remove`. `nil` in plans made before tenants.
    public var unconfigured: [String]?
    /// The time range asked for, as given (for the audit log).
    public var range: String?

    /// The pseudonyms of `address` in every window with output in `[since, until)` (epoch seconds), in each
    /// scope (each tenant's windows under its own keys). Under `truncate` alone there is nothing to link.
    static func make(
        address: IPAddress,
        since: Int64?,
        until: Int64?,
        store: StateStore,
        scopes: [Maintenance.Scope]
    ) throws -> ErasurePlan {
        let unconfigured = scopes.filter { !$0.isConfigured }.compactMap(\.settings.tenant)
        let keyed = scopes.filter { $0.ring.method != .truncate && !unconfigured.contains($0.settings.tenant ?? "") }
        var plan = ErasurePlan(method: keyed.first?.ring.method ?? .truncate)
        if !unconfigured.isEmpty { plan.unconfigured = unconfigured }
        let segments = try store.segments()
        for scope in keyed {
            let ring = scope.ring
            let window = ring.window
            let starts = Set(
                segments.filter { scope.settings.owns(source: $0.input) }.map(\.windowStart).filter {
                    $0 + window.seconds > (since ?? .min) && $0 < (until ?? .max)
                }
            )
            for start in starts.sorted() {
                if let anonymizer = try ring.existingAnonymizer(forWindowStarting: start) {
                    let pseudonym = anonymizer.pseudonym(for: address).canonical
                    plan.targets.append(
                        Target(windowStart: start, pseudonym: pseudonym.description, tenant: scope.settings.tenant)
                    )
                } else {
                    let name = window.name(ofWindowStarting: start)
                    plan.unlinkable.append(scope.settings.tenant.map { "\($0)/\(name)" } ?? name)
                }
            }
        }
        return plan
    }
}

/// What `forget` did (or, in a dry run, would do).
public struct ErasureReport: Codable, Sendable {
    /// One window's result.
    public struct WindowResult: Codable, Sendable {
        public var window: String
        public var segments: Int
        public var linesRemoved: Int64
    }

    public var method: AnonymizationMethod
    public var dryRun: Bool
    public var windows: [WindowResult] = []
    public var unlinkable: [String] = []
    /// Open segments another process writes (a `logonym pipe`), left alone.
    public var skipped: [String] = []

    public init(method: AnonymizationMethod, dryRun: Bool, unlinkable: [String] = []) {
        self.method = method
        self.dryRun = dryRun
        self.unlinkable = unlinkable
    }
    public var linesRemoved: Int64 { windows.reduce(0) { $0 + $1.linesRemoved } }
    public var segmentsRewritten: Int { windows.reduce(0) { $0 + $1.segments } }
}

/// Carries out an ``ErasurePlan``: every segment of a linked window is read, and if it holds lines in which the
/// pseudonym appears as an address (client, forwarded-for, or anywhere in a scrubbed line), it is rewritten without
/// them: new file, fsync, journal row, rename, then the segment's new length and an audit entry in one transaction.
/// A crash at any step leaves either the old or the new segment, and the next start completes the journal.
public struct Eraser {
    public let store: StateStore
    public let audit: AuditLog
    public let window: WindowLength
    public let compressionLevel: Int32
    /// What opens encrypted segments (the state directory's window identities).
    public var keys = SegmentKeys()
    /// The extra recipients a rewritten encrypted segment is encrypted to, besides its window's identity.
    public var recipients: [AgeRecipient] = []

    public init(store: StateStore, audit: AuditLog, window: WindowLength, compressionLevel: Int32) {
        self.store = store
        self.audit = audit
        self.window = window
        self.compressionLevel = compressionLevel
    }

    /// Runs the plan; `mayRewrite` says whether an open segment of an input may be rewritten by this process.
    ///
    /// - Returns: the report, and the segments rewritten (the daemon updates its open ones).
    public func run(
        _ plan: ErasurePlan,
        dryRun: Bool,
        mayRewrite: (String) -> Bool
    ) throws -> (ErasureReport, [StateStore.SegmentRecord]) {
        var report = ErasureReport(method: plan.method, dryRun: dryRun, unlinkable: plan.unlinkable)
        guard plan.method != .truncate else { return (report, []) }
        let segments = try store.segments()
        var rewritten: [StateStore.SegmentRecord] = []
        // One started/done pair of audit entries per tenant, naming only its windows: a tenant's audit trail and
        // report never show where else the subject was seen.
        var tenants: [String?] = []
        for tenant in plan.targets.map(\.tenant) + plan.unlinkable.map(TenantSettings.tenant(ofSource:))
        where !tenants.contains(tenant) {
            tenants.append(tenant)
        }
        for tenant in tenants.isEmpty ? [nil] : tenants {
            let targets = plan.targets.filter { $0.tenant == tenant }
            let unlinkable = plan.unlinkable.filter { TenantSettings.tenant(ofSource: $0) == tenant }
            if !dryRun {
                var started = AuditEvent("erasure_started", note: plan.range)
                started.windows = targets.map { $0.name(in: window) }
                started.unlinkable = unlinkable
                started.tenant = tenant
                try audit.record(started)
            }
            var part = ErasureReport(method: plan.method, dryRun: dryRun)
            for target in targets {
                guard let pseudonym = IPAddress(target.pseudonym) else { continue }
                var result = WindowResultBuilder(window: target.name(in: window))
                for segment in segments where target.covers(segment) {
                    if segment.open && !mayRewrite(segment.input) {
                        report.skipped.append(segment.path)
                        continue
                    }
                    let removed = try filter(segment, removing: pseudonym, dryRun: dryRun)
                    guard removed > 0 else { continue }
                    result.add(removed)
                    if !dryRun { rewritten += try store.completeRewrites(window: window) }
                    try audit.sync()
                }
                if result.segments > 0 {
                    part.windows.append(result.value)
                    // The window's client sketch held the address too, and a live window key could still test it:
                    // the sketch goes (its distinct clients are no longer counted).
                    if !dryRun {
                        try store.forgetClientSketches(
                            ofSources: { TenantSettings.tenant(ofSource: $0) == target.tenant },
                            where: { $0 == target.windowStart }
                        )
                    }
                }
            }
            report.windows += part.windows
            if !dryRun {
                var done = AuditEvent("erasure_done", lines: part.linesRemoved, note: plan.range)
                done.segments = part.segmentsRewritten
                done.windows = part.windows.map(\.window)
                done.unlinkable = unlinkable
                done.tenant = tenant
                try audit.record(done)
            }
        }
        return (report, rewritten)
    }

    private struct WindowResultBuilder {
        var value: ErasureReport.WindowResult
        var segments: Int { value.segments }

        init(window: String) {
            value = .init(window: window, segments: 0, linesRemoved: 0)
        }

        mutating func add(_ removed: Int64) {
            value.segments += 1
            value.linesRemoved += removed
        }
    }

    /// Copies the segment without the lines holding `pseudonym` to a temporary file and journals the rewrite.
    ///
    /// - Returns: the lines removed (0: nothing written).
    private func filter(
        _ segment: StateStore.SegmentRecord,
        removing pseudonym: IPAddress,
        dryRun: Bool
    ) throws -> Int64 {
        if let probe = FileProbe.path(segment.path), probe.size > segment.length, !dryRun {
            // Bytes past the committed length were never committed: a restart would cut them too.
            truncate(segment.path, off_t(segment.length))
        }
        let slash = segment.path.lastIndex(of: "/")!
        let temporary =
            String(segment.path[...slash]) + "." + String(segment.path[segment.path.index(after: slash)...])
            + ".forget.tmp"
        // An encrypted segment (NAME.log.gz.age) is rewritten encrypted, to its window's identity (which opened it)
        // and the extra recipients: nothing of it is ever written in plain.
        let encryptor =
            try segment.path.hasSuffix(SegmentSealer.suffix) && !dryRun ? rewriteEncryptor(for: segment) : nil
        let compress = segment.path.hasSuffix(".gz") || encryptor != nil
        var output: Int32 = -1
        if !dryRun {
            // Always a new file, never through a link planted under the name (a leftover of a crash is removed).
            unlink(temporary)
            output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
            guard output >= 0 else { throw LogonymIOError.system("create", path: temporary, errno: errno) }
        }
        defer { if output >= 0 { close(output) } }
        var kept: Int64 = 0
        var removed: Int64 = 0
        var length: Int64 = 0
        var pending: [UInt8] = []
        func emit(last: Bool = false) throws {
            guard output >= 0, !pending.isEmpty || (last && encryptor != nil) else { return }
            var data = compress && !pending.isEmpty ? GzipMember.compress(pending, level: compressionLevel) : pending
            if let encryptor {
                var sealed: [UInt8] = []
                encryptor.update(data, into: &sealed)
                if last { encryptor.finish(into: &sealed) }
                data = sealed
            }
            let written = data.withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
            guard written == data.count else { throw LogonymIOError.system("write", path: temporary, errno: errno) }
            length += Int64(data.count)
            pending.removeAll(keepingCapacity: true)
        }
        let decoding = PercentDecoding()
        try SegmentLines.forEach(in: segment.path, limit: segment.length, keys: keys) { b, range in
            if SegmentLines.line(b, range, holds: pseudonym, decoding: decoding) {
                removed += 1
            } else {
                kept += 1
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
                pending.append(0x0A)
                if pending.count >= 1 << 20 { try emit() }
            }
        }
        guard removed > 0, !dryRun else {
            if !dryRun { unlink(temporary) }
            return removed
        }
        try emit(last: true)
        guard fsync(output) == 0 else { throw LogonymIOError.system("fsync", path: temporary, errno: errno) }
        try store.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO rewrites (path, temporary, length, lines, removed) VALUES (?, ?, ?, ?, ?)",
                arguments: [segment.path, temporary, length, kept, removed]
            )
        }
        CrashPoint.reach("rewrite-journaled")
        return removed
    }
}

extension Eraser {
    /// The encryptor of a rewritten encrypted segment: to its window's identity and the extra recipients.
    func rewriteEncryptor(for segment: StateStore.SegmentRecord) throws -> AgeEncryptor {
        let window = self.window.name(ofWindowStarting: segment.windowStart)
        guard let directory = keys.stateDirectory,
            let live = WindowIdentities.live(
                stateDirectory: directory,
                tenant: TenantSettings.tenant(ofSource: segment.input)
            ).last(where: {
                $0.window.name(ofWindowStarting: $0.windowStart) == window
            })
        else {
            throw LogonymIOError(
                code: .noIdentity,
                path: segment.path,
                message: "window \(window) has no identity any more: the encrypted segment cannot be rewritten"
            )
        }
        let identity: AgeIdentity
        do {
            identity = try WindowIdentities.load(live.path)
        } catch {
            throw LogonymIOError(code: .openFailed, path: error.path, message: error.message)
        }
        return AgeEncryptor(recipients: [identity.recipient] + recipients)
    }
}

/// Reads a segment (plain, gzip members, or either encrypted with age) line by line in bounded chunks.
enum SegmentLines {
    /// - Parameters:
    ///   - limit: the bytes of the file to read (its committed length), or all of it.
    ///   - keys: what opens an encrypted segment.
    static func forEach(
        in path: String,
        limit: Int64? = nil,
        keys: SegmentKeys = SegmentKeys(),
        _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) throws -> Void
    ) throws {
        let source = try InputOpener.openSegment(path, limit: limit.map { Int($0) }) { () throws(LogonymIOError) in
            try keys.identities(for: path)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        while true {
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let n = try buffer.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if n == 0 { break }
            filled += n
            let consumed = try buffer.withUnsafeBufferPointer { b -> Int in
                var lineStart = 0
                while let newline = UnsafeBufferPointer(rebasing: b[lineStart..<filled]).firstIndex(of: 0x0A) {
                    let end = lineStart + newline
                    try body(b, lineStart..<end)
                    lineStart = end + 1
                }
                return lineStart
            }
            buffer.replaceSubrange(0..<consumed, with: [])
            buffer += [UInt8](repeating: 0, count: consumed)
            filled -= consumed
        }
        if filled > 0 { try buffer.withUnsafeBufferPointer { try body($0, 0..<filled) } }
    }

    /// Whether `pseudonym` appears in the line as an address (client, forwarded-for, or anywhere in a scrubbed
    /// line): the lines `forget` removes and `access` returns.
    ///
    /// Every address counts, those that name no host too (Crypto-PAn maps one /8 onto `0.x.x.x`), as written and
    /// with escapes decoded (`\x22` before a quad in an nginx log).
    static func line(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        holds pseudonym: IPAddress,
        decoding: PercentDecoding
    ) -> Bool {
        var holds = false
        FallbackScanner.forEachAddressDecoded(
            b,
            from: range.lowerBound,
            to: range.upperBound,
            decoding: decoding,
            includingNoHost: true
        ) { field in
            if field.address.canonical == pseudonym { holds = true }
        }
        return holds
    }
}

@available(*, unavailable)
extension Eraser: Sendable {}
