import LogonymCore
import LogonymIO

extension ConfigFile {
    /// `[[tenant]]` (the hosting customers, each with its hosts and overrides of `[anonymize]`, `[retention]`,
    /// `[scrub]` and `[geo]`), `[tenants] default` (where lines of no tenant's host go; absent: dropped, counted as
    /// unrouted), and each input's `tenant` checked against them.
    mutating func resolveTenants(
        _ root: TOMLDocument.Table,
        defaults: TenantSettings,
        inputs: inout [InputSettings]
    ) -> ([TenantSettings], String?) {
        var tenants: [TenantSettings] = []
        // The table each tenant came from, for the lines of its problems.
        var origins: [TOMLDocument.Table] = []
        if let (value, line) = root["tenant"] {
            guard case .tableArray(let tables) = value else {
                problem("tenant", line, "must be an array of tables ([[tenant]]), not \(value.typeName)")
                return ([], nil)
            }
            for (index, table) in tables.enumerated() {
                if let tenant = resolveTenant(table, prefix: "tenant[\(index)].", defaults: defaults) {
                    if tenants.contains(where: { $0.name == tenant.name }) {
                        problem("tenant[\(index)].name", table["name"]?.line, "'\(tenant.name)' names two tenants")
                    } else {
                        tenants.append(tenant)
                        origins.append(table)
                    }
                }
            }
            // Patterns each a host (checked and named one by one in resolveTenant) may still be claimed twice.
            let wellFormed = tenants.map { $0.hosts.filter { (try? TenantHosts([[$0]])) != nil } }
            do {
                _ = try TenantHosts(wellFormed)
            } catch {
                let index = tenants.lastIndex { $0.hosts.contains(error.pattern) } ?? 0
                let position = tables.firstIndex { $0.line == origins[index].line } ?? index
                problem("tenant[\(position)].hosts", origins[index]["hosts"]?.line ?? line, error.message)
            }
        }
        let names = Set(tenants.map(\.name))
        var unrouted: String?
        let table = table(root, "tenants")
        if let table {
            checkUnknown(table, section: "tenants", prefix: "tenants.")
            if let (name, line) = string(table, "tenants.default") {
                if names.contains(name) {
                    unrouted = name
                } else {
                    problem("tenants.default", line, "'\(name)' is not the name of a [[tenant]]")
                }
            }
        }
        for (index, input) in inputs.enumerated() {
            guard let tenant = input.tenant else { continue }
            if !names.contains(tenant) {
                problem("input[\(index)].tenant", nil, "'\(tenant)' is not the name of a [[tenant]]")
                inputs[index].tenant = nil
            }
        }
        return (tenants, unrouted)
    }

    private mutating func resolveTenant(
        _ table: TOMLDocument.Table,
        prefix: String,
        defaults: TenantSettings
    ) -> TenantSettings? {
        checkUnknown(table, section: "tenant", prefix: prefix)
        guard let (name, line) = string(table, prefix + "name") else {
            problem(prefix + "name", table.line, "missing; every tenant needs a name")
            return nil
        }
        guard TenantSettings.isValidName(name) else {
            problem(
                prefix + "name",
                line,
                "'\(name)' must be lower-case letters, digits, '-', '_' and '.' (it names the tenant's folders)"
            )
            return nil
        }
        var tenant = defaults
        tenant.name = name
        tenant.hosts = stringArray(table, prefix + "hosts") ?? []
        // Each pattern on its own first, so that every bad one is named; claims across tenants are checked after.
        for host in tenant.hosts {
            do {
                _ = try TenantHosts([[host]])
            } catch {
                problem(prefix + "hosts", table["hosts"]?.line, error.message)
            }
        }
        let sections = ["anonymize", "retention", "scrub", "geo"].map { ($0, self.table(table, $0)) }
        for case (let section, let subtable?) in sections {
            checkUnknown(subtable, section: "tenant." + section, prefix: prefix + section + ".")
        }
        let overrides = Dictionary(uniqueKeysWithValues: sections)
        if let anonymize = overrides["anonymize"] ?? nil {
            tenant.method = string(anonymize, prefix + "anonymize.method", SettingRule.method) ?? tenant.method
            if let preset = string(anonymize, prefix + "anonymize.preset", SettingRule.preset) {
                tenant.prefixes = preset
            }
            tenant.prefixes.ipv4 =
                integer(anonymize, prefix + "anonymize.ipv4_prefix") { try SettingRule.prefix($0, ipv6: false) }
                ?? tenant.prefixes.ipv4
            tenant.prefixes.ipv6 =
                integer(anonymize, prefix + "anonymize.ipv6_prefix") { try SettingRule.prefix($0, ipv6: true) }
                ?? tenant.prefixes.ipv6
        }
        // The key mode: the tenant's own, else the configuration's, else (a keyed method under a `truncate`
        // configuration) ephemeral.
        let ownsKeyMode = (overrides["anonymize"] ?? nil).map { $0["key_mode"] != nil || $0["key_file"] != nil }
        if ownsKeyMode == true || !tenant.method.needsKey {
            tenant.keyMode = resolveKeyMode(overrides["anonymize"] ?? nil, method: tenant.method, prefix: prefix)
        } else if case .none = defaults.keyMode {
            tenant.keyMode = .ephemeral
        }
        if let retention = overrides["retention"] ?? nil {
            tenant.retention = resolveRetention(retention, base: defaults.retention, prefix: prefix).0
        }
        if let scrub = overrides["scrub"] ?? nil {
            tenant.scrub = resolveScrub(scrub, method: tenant.method, prefix: prefix)
        } else if tenant.scrub?.remoteUser == .hash && !tenant.method.needsKey {
            problem(
                prefix + "anonymize.method",
                line,
                "scrub.remote_user = \"hash\" needs a keyed method; give the tenant a [tenant.scrub] of its own"
            )
        }
        if let geo = overrides["geo"] ?? nil { tenant.geo = resolveGeo(geo, prefix: prefix) }
        return tenant
    }
}
