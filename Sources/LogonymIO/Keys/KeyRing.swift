import Foundation
public import LogonymCore

/// Where window keys come from.
public enum KeyMode: Sendable {
    /// No key (`truncate`).
    case none
    /// One key for the whole run, not per window (`anonymize` without `--window`).
    case fixed(PseudonymKey)
    /// A random key per window, kept in the state directory until its retention ends.
    case ephemeral
    /// HKDF-SHA256 of a master secret per window: the same on every node holding the secret.
    case derived(master: PseudonymKey)
}

/// The anonymizer of every window: keys made, loaded or derived on first use, lines of windows past output
/// retention refused (dropped as expired), and at most a few windows' anonymizers (and their pseudonym caches)
/// in memory at once.
public final class KeyRing: WindowAnonymizers {
    public let window: WindowLength
    public private(set) var generation = 0
    let method: AnonymizationMethod
    let prefixes: TruncationPrefixes
    let mode: KeyMode
    let keys: KeyStore?
    let stateDirectory: String?
    /// The tenant whose keys these are (`nil`: a configuration without tenants).
    public let tenant: String?
    let retention: RetentionPolicy
    let clock: @Sendable () -> Int64
    private var cached: [(start: Int64, value: Anonymizer)] = []
    private var cachedHashers: [(start: Int64, value: SipHash)] = []
    private var shared: Anonymizer?
    /// Why a key could not be made or read; the caller stops before committing anything processed since.
    public private(set) var failure: (any Error)?
    /// The most windows whose anonymizers are kept.
    static let cachedWindows = 4

    public init(
        window: WindowLength,
        method: AnonymizationMethod,
        prefixes: TruncationPrefixes,
        mode: KeyMode,
        keys: KeyStore?,
        stateDirectory: String? = nil,
        tenant: String? = nil,
        retention: RetentionPolicy,
        clock: (@Sendable () -> Int64)? = nil
    ) {
        if case .none = mode { precondition(!method.needsKey, "\(method) needs a key") }
        if case .ephemeral = mode {
            precondition(keys != nil || stateDirectory != nil, "ephemeral keys need a state directory")
        }
        self.window = window
        self.method = method
        self.prefixes = prefixes
        self.tenant = keys.map { $0.tenant } ?? tenant
        if case .derived(let master) = mode, let tenant = self.tenant {
            self.mode = .derived(master: PseudonymKey(tenantMasterFrom: master, tenant: tenant))
        } else {
            self.mode = mode
        }
        self.keys = keys
        self.stateDirectory = keys.map { $0.stateDirectory } ?? stateDirectory
        self.retention = retention
        self.clock = clock ?? { Int64(Date().timeIntervalSince1970) }
        switch mode {
        case .none: shared = Anonymizer(method: method, prefixes: prefixes)
        case .fixed(let key): shared = Anonymizer(method: method, prefixes: prefixes, key: key)
        case .ephemeral, .derived: shared = nil
        }
    }

    public func currentWindowStart() -> Int64 {
        window.start(of: clock())
    }

    public func anonymizer(forWindowStarting start: Int64) -> Anonymizer? {
        perWindow(start, &cached) {
            if let shared { return shared }
            return try key(forWindowStarting: start, creating: true).map {
                Anonymizer(method: method, prefixes: prefixes, key: $0)
            }
        }
    }

    /// What a window's key makes, kept for the last few windows: `nil` for a window past output retention, without
    /// a key, or when its key cannot be made or read (then ``failure`` says why).
    private func perWindow<T>(_ start: Int64, _ cache: inout [(start: Int64, value: T)], _ make: () throws -> T?) -> T?
    {
        if retention.outputExpired(windowStart: start, window: window, now: clock()) { return nil }
        if let index = cache.firstIndex(where: { $0.start == start }) { return cache[index].value }
        do {
            guard let made = try make() else { return nil }
            if cache.count >= Self.cachedWindows { cache.removeFirst() }
            cache.append((start, made))
            return made
        } catch {
            failure = error
            return nil
        }
    }

    /// The key of a window: derived, or the key store's (made when `creating`, else `nil` if there is none).
    func key(forWindowStarting start: Int64, creating: Bool) throws -> PseudonymKey? {
        switch mode {
        case .none: return nil
        case .fixed(let key): return key
        case .derived(let master): return PseudonymKey(derivedFrom: master, window: window, windowStart: start)
        case .ephemeral:
            let id = KeyStore.KeyID(window: window, windowStart: start)
            if creating, let keys { return try keys.key(for: id) }
            return try KeyStore.existingKey(for: id, stateDirectory: stateDirectory!, tenant: tenant)
        }
    }

    /// Keyed by the window's key (made if there is none: under `truncate` the window's key exists for this only), so
    /// that the window's sketch can be tested against an address only while the key lives: it is destroyed with it.
    /// `derived` keys come from the master secret, which keeps the sketches of a fleet mergeable, and testable while
    /// the master secret exists.
    public func clientHasher(forWindowStarting start: Int64) -> SipHash? {
        perWindow(start, &cachedHashers) {
            let key: PseudonymKey?
            switch mode {
            case .none: key = try keys?.key(for: KeyStore.KeyID(window: window, windowStart: start))
            case .fixed, .ephemeral, .derived: key = try self.key(forWindowStarting: start, creating: true)
            }
            return key.map { SipHash(key: Self.sketchKey(of: $0)) }
        }
    }

    /// The client-sketch key of a window key (HKDF-SHA256, its own label: it reveals nothing of the window key).
    static func sketchKey(of key: PseudonymKey) -> (UInt64, UInt64) {
        let bytes = PseudonymKey.hkdfSHA256(
            inputKey: key.bytes,
            salt: Array("logonym-client-sketch-v2".utf8),
            info: [],
            length: 16
        )
        let a = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let b = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (a, b)
    }

    /// An anonymizer for a window only if its key still exists (`forget`): never creates a key.
    func existingAnonymizer(forWindowStarting start: Int64) throws -> Anonymizer? {
        if let shared { return shared }
        guard let key = try key(forWindowStarting: start, creating: false) else { return nil }
        return Anonymizer(method: method, prefixes: prefixes, key: key)
    }

    /// Drops every cached anonymizer (after keys were destroyed), so none is used again.
    public func invalidate() {
        cached.removeAll()
        cachedHashers.removeAll()
        generation += 1
    }
}

@available(*, unavailable)
extension KeyRing: Sendable {}
