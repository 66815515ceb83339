public import LogonymCore

/// One hosting customer (`[[tenant]]`): a separate data controller with the virtual hosts it owns and its own
/// anonymization, retention, scrub and geo settings. Its segments go to `OUT/TENANT/INPUT/`, its window keys to
/// `STATE/keys/TENANT/`, its counters to rows of its own (source `TENANT/INPUT`).
public struct TenantSettings: Sendable {
    public var name: String
    /// Exact host names and `*.` wildcards (``TenantHosts``).
    public var hosts: [String]
    public var method: AnonymizationMethod
    public var prefixes: TruncationPrefixes
    public var keyMode: KeyMode
    public var retention: RetentionPolicy
    public var scrub: ScrubSettings?
    public var geo: GeoSettings?

    public init(
        name: String,
        hosts: [String],
        method: AnonymizationMethod,
        prefixes: TruncationPrefixes,
        keyMode: KeyMode,
        retention: RetentionPolicy,
        scrub: ScrubSettings?,
        geo: GeoSettings?
    ) {
        self.name = name
        self.hosts = hosts
        self.method = method
        self.prefixes = prefixes
        self.keyMode = keyMode
        self.retention = retention
        self.scrub = scrub
        self.geo = geo
    }

    /// Whether a name can be a tenant's: it names a folder and prefixes key ids and sources.
    public static func isValidName(_ name: String) -> Bool {
        // Not a key file's or a temporary file's name either: tenants' key directories sit beside the keys.
        !name.isEmpty && name.count <= 64 && name.first != "-" && name.first != "." && !name.hasSuffix(".key")
            && !name.hasSuffix(".identity")
            && name.utf8.allSatisfy { byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F
                    || byte == 0x2E
            }
    }

    /// The source (segment folder and stats key) of an input's lines of a tenant: `TENANT/INPUT`, or the input's
    /// name without tenants.
    public static func source(tenant: String?, input: String) -> String {
        tenant.map { $0 + "/" + input } ?? input
    }

    /// The tenant a source belongs to (`nil`: none, the source of a configuration without tenants, or an input's
    /// unrouted counts).
    public static func tenant(ofSource source: String) -> String? {
        source.firstIndex(of: "/").map { String(source[..<$0]) }
    }
}

extension EngineSettings {
    /// The settings a tenant's lines are processed, kept and swept under: this configuration's, with the
    /// tenant's anonymization, retention, scrub and geo.
    public func scoped(to tenant: TenantSettings) -> EngineSettings {
        var scoped = self
        scoped.tenant = tenant.name
        scoped.method = tenant.method
        scoped.prefixes = tenant.prefixes
        scoped.keyMode = tenant.keyMode
        scoped.retention = tenant.retention
        scoped.scrub = tenant.scrub
        scoped.geo = tenant.geo
        scoped.tenants = []
        return scoped
    }

    /// Every scope of keys, segments and retention: each tenant's, or the configuration's own without tenants.
    public var scopes: [EngineSettings] {
        tenants.isEmpty ? [self] : tenants.map { scoped(to: $0) }
    }

    /// The segment folder and stats key of an input's lines in this scope.
    public func source(input: String) -> String {
        TenantSettings.source(tenant: tenant, input: input)
    }

    /// Whether a source's segments and counters belong to this scope: a tenant's `TENANT/INPUT`, or, for the
    /// scope of no tenant, the sources without one (written before tenants were configured).
    public func owns(source: String) -> Bool {
        TenantSettings.tenant(ofSource: source) == tenant
    }
}
