import Foundation
import LogonymCore
import LogonymTestSupport
import Testing

/// Tenants: one shared log of several customers' virtual hosts, each customer's lines in its own segments under
/// its own method, keys and retention, and removal of one that left.
struct TenantTests {
    /// Who owns what: the hosts the log uses, and the tenant each belongs to (`nil`: no tenant's).
    static let hosts: [(host: String, tenant: String?)] = [
        ("shop.acme.example", "acme"), ("WWW.Acme.Example", "acme"), ("acme.example", "acme"),
        ("a.b.acme.example.", "acme"), ("beta.example", "beta"), ("eu.gamma.example", "gamma"),
        ("x.eu.gamma.example", "gamma"),
        // Not a tenant's: the apex of a wildcard, another site, an address or an IPv6 literal as the host, a
        // look-alike suffix.
        ("gamma.example", nil), ("other.example", nil), ("203.0.113.250", nil), ("[2001:db8::1]", nil),
        ("notacme.example", nil),
    ]

    static let tenantsConfig = """
        [[tenant]]
        name = "acme"
        hosts = ["acme.example", "*.acme.example"]
        [tenant.anonymize]
        method = "hmac"
        [tenant.retention]
        output = "30d"

        [[tenant]]
        name = "beta"
        hosts = ["beta.example"]
        [tenant.anonymize]
        ipv4_prefix = 16

        [[tenant]]
        name = "gamma"
        hosts = ["*.gamma.example"]
        [tenant.anonymize]
        method = "hmac"
        [tenant.retention]
        output = "1d"

        """

    /// A seeded shared log in the current hour and the one before, written to a state by `run --once`.
    struct Setup {
        let scratch: Scratch
        /// Each line's tenant (`nil`: unrouted) and raw client, by line number (the request path is `/pN`).
        var lines: [(tenant: String?, client: String)] = []
        var config: String { scratch.file("logonym.toml") }
        let now = Int(Date().timeIntervalSince1970)

        init(seed: UInt64, tenants: String = TenantTests.tenantsConfig) throws {
            scratch = try Scratch()
            var random = SplitMix64(seed: seed, stream: 0x7E7, index: 0)
            var text = ""
            for i in 0..<900 {
                let (host, tenant) = random.pick(TenantTests.hosts)
                // Some clients visit several customers' sites.
                let client =
                    random.chance(30) ? "198.51.100.\(1 + random.below(5))" : "203.0.113.\(1 + random.below(200))"
                // All in the current hour (some minutes ahead of the clock): one window, its keys alive.
                let time = RetentionTests.logTime(now / 3_600 * 3_600 + i * 3)
                text +=
                    "\(host):443 \(client) - - [\(time)] \"GET /p\(i) HTTP/1.1\" 200 \(random.below(5_000)) \"-\" \"ua\"\n"
                lines.append((tenant, client))
            }
            try text.write(toFile: scratch.file("access.log"), atomically: true, encoding: .utf8)
            try Self.writeConfig(scratch: scratch, tenants: tenants)
            let run = try CLI.run(["run", "--config", config, "--once"])
            #expect(run.status == 0, "\(run.stderr)")
        }

        static func writeConfig(scratch: Scratch, tenants: String) throws {
            try """
            [state]
            dir = "state"
            [output]
            dir = "out"
            compress = false
            [anonymize]
            method = "truncate"
            [retention]
            output = "off"
            \(tenants)
            [[input]]
            name = "web"
            paths = ["access.log"]
            format = "vhost_combined"
            """.write(toFile: scratch.file("logonym.toml"), atomically: true, encoding: .utf8)
        }

        /// A tenant's output lines, every segment in name order.
        func output(_ tenant: String) throws -> [String] {
            let directory = scratch.file("out/\(tenant)/web")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return try names.sorted().flatMap { name in
                try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n").map(
                    String.init
                )
            }
        }

        /// The line numbers of a tenant's lines in the input, in order.
        func expected(_ tenant: String?) -> [Int] { lines.indices.filter { lines[$0].tenant == tenant } }

        /// Each file under `out/` and `state/keys`, with its bytes.
        func files(under directory: String) throws -> [String: Data] {
            var result: [String: Data] = [:]
            let root = scratch.file(directory)
            for case let path as String in FileManager.default.enumerator(atPath: root) ?? .init() {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory),
                    !isDirectory.boolValue
                {
                    result[path] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
                }
            }
            return result
        }
    }

    /// The request number and client field of an output line.
    static func parse(_ line: String) -> (number: Int, client: String) {
        let fields = line.split(separator: " ")
        let path = fields.first { $0.hasPrefix("/p") }!
        return (Int(path.dropFirst(2))!, String(fields[1]))
    }

    @Test func eachTenantsSegmentsHoldOnlyItsLinesUnderItsOwnMethodAndKeys() throws {
        let setup = try Setup(seed: 0x7E4A)
        defer { setup.scratch.cleanup() }
        var pseudonyms: [String: [String: String]] = [:]
        for tenant in ["acme", "beta", "gamma"] {
            let output = try setup.output(tenant).map(Self.parse)
            #expect(output.map(\.number) == setup.expected(tenant), "\(tenant): exactly its lines, in order")
            for (number, client) in output {
                let raw = setup.lines[number].client
                #expect(client != raw, "\(tenant) line \(number) kept its address")
                if tenant == "beta" {
                    // beta's own prefix, /16.
                    let parts = raw.split(separator: ".")
                    #expect(client == "\(parts[0]).\(parts[1]).0.0")
                } else {
                    // One pseudonym per client in the tenant (one window, one key).
                    let previous = pseudonyms[tenant, default: [:]][raw]
                    #expect(previous == nil || previous == client)
                    pseudonyms[tenant, default: [:]][raw] = client
                }
            }
        }
        // Two hmac tenants, two keys: a client that visited both has different pseudonyms.
        let shared = Set(pseudonyms["acme"]!.keys).intersection(pseudonyms["gamma"]!.keys)
        #expect(!shared.isEmpty)
        for client in shared { #expect(pseudonyms["acme"]![client] != pseudonyms["gamma"]![client]) }
        // Keys per tenant, in its own directory; none outside them.
        let keys = try setup.files(under: "state/keys")
        for tenant in ["acme", "beta", "gamma"] {
            #expect(keys.keys.contains { $0.hasPrefix(tenant + "/") && $0.hasSuffix(".key") }, "\(tenant) has a key")
        }
        #expect(!keys.keys.contains { !$0.contains("/") && $0.hasSuffix(".key") })
        // Counted: per tenant, and the unrouted lines dropped under the input's own name.
        let stats = try CLI.run(["stats", "--config", setup.config, "--by", "tenant", "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let rows = try #require(try CLI.jsonObject(stats.stdout)["rows"] as? [[String: Any]])
        func row(_ key: String) -> [String: Any]? { rows.first { $0["tenant"] as? String == key } }
        for tenant in ["acme", "beta", "gamma"] {
            #expect(row(tenant)?["lines_written"] as? Int == setup.expected(tenant).count)
        }
        #expect(row("-")?["dropped_unrouted"] as? Int == setup.expected(nil).count)
        #expect(row("-")?["lines_written"] as? Int == 0)
        let only = try CLI.run(["stats", "--config", setup.config, "--tenant", "gamma", "--json"])
        let totals = try #require(try CLI.jsonObject(only.stdout)["totals"] as? [String: Any])
        #expect(totals["lines_read"] as? Int == setup.expected("gamma").count)
        // No raw client anywhere logonym keeps (beta's /16 is not a client: every client has a non-zero host part).
        var kept = try setup.files(under: "out")
        for (path, data) in try setup.files(under: "state") { kept["state/" + path] = data }
        for client in Set(setup.lines.map(\.client)) {
            for (path, data) in kept {
                #expect(data.range(of: Data((client + " ").utf8)) == nil, "\(client) in \(path)")
                #expect(data.range(of: Data((client + "\"").utf8)) == nil, "\(client) in \(path)")
            }
        }
        // The controller's report of one tenant: its numbers, as stats counts them for that tenant.
        let report = try CLI.run(["report", "--config", setup.config, "--tenant", "gamma", "--format", "json"])
        #expect(report.status == 0, "\(report.stderr)")
        let evidence = try CLI.jsonObject(report.stdout)
        #expect(evidence["tenant"] as? String == "gamma")
        #expect(evidence["lines_read"] as? Int == setup.expected("gamma").count)
        #expect(
            (evidence["keys"] as? [[String: Any]])?.allSatisfy { ($0["id"] as? String)?.hasPrefix("gamma/") == true }
                == true
        )
        let verify = try CLI.run(["audit", "--config", setup.config, "--verify"])
        #expect(verify.status == 0, "\(verify.stdoutText)")
    }

    @Test func forgetAndAccessFindTheSubjectInEveryTenantUnderItsKey() throws {
        let setup = try Setup(seed: 0xF0A6)
        defer { setup.scratch.cleanup() }
        let subject = "198.51.100.3"
        let theirs = setup.lines.indices.filter { setup.lines[$0].client == subject && setup.lines[$0].tenant != nil }
        let keyed = theirs.filter { setup.lines[$0].tenant != "beta" }
        let access = try CLI.run(["access", "--config", setup.config, "--address", subject, "--output-format", "same"])
        #expect(access.status == 0, "\(access.stderr)")
        let found = access.stdoutText.split(separator: "\n").map { Self.parse(String($0)).number }.sorted()
        #expect(found == keyed, "hmac tenants' lines of the subject (beta truncates: not attributable)")
        let onlyGamma = try CLI.run(["access", "--config", setup.config, "--address", subject, "--tenant", "gamma"])
        #expect(
            onlyGamma.stdoutText.split(separator: "\n").map { Self.parse(String($0)).number }.sorted()
                == keyed.filter { setup.lines[$0].tenant == "gamma" }
        )
        let before = try setup.output("beta")
        let forget = try CLI.run(["forget", "--config", setup.config, "--address", subject])
        #expect(forget.status == 0, "\(forget.stderr)")
        for tenant in ["acme", "gamma"] {
            let left = try setup.output(tenant).map { Self.parse($0).number }
            #expect(left == setup.expected(tenant).filter { !keyed.contains($0) })
        }
        #expect(try setup.output("beta") == before)
        let again = try CLI.run(["access", "--config", setup.config, "--address", subject])
        #expect(again.status == 0)
        #expect(again.stdoutText.isEmpty)
    }

    @Test func removingATenantDestroysItsKeysAndSegmentsAndNothingElse() throws {
        let setup = try Setup(seed: 0x4E40)
        defer { setup.scratch.cleanup() }
        // Refused while configured: its next lines would make new keys.
        let refused = try CLI.run(["tenant", "remove", "beta", "--config", setup.config])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("still configured"))
        let others = try setup.files(under: "out").filter { !$0.key.hasPrefix("beta/") }
        let otherKeys = try setup.files(under: "state/keys").filter { !$0.key.hasPrefix("beta/") }
        let betaKeys = try setup.files(under: "state/keys").keys.filter { $0.hasPrefix("beta/") }
        #expect(!betaKeys.isEmpty)
        // The customer leaves the configuration, then the tenant is removed.
        let remaining = TenantTests.tenantsConfig.components(separatedBy: "[[tenant]]").filter {
            !$0.contains("\"beta\"")
        }.joined(separator: "[[tenant]]")
        try Setup.writeConfig(scratch: setup.scratch, tenants: remaining)
        let dry = try CLI.run(["tenant", "remove", "beta", "--config", setup.config, "--dry-run", "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect((try CLI.jsonObject(dry.stdout)["items"] as? [Any])?.count == betaKeys.count + 1)
        #expect(FileManager.default.fileExists(atPath: setup.scratch.file("out/beta/web")))
        let removed = try CLI.run(["tenant", "remove", "beta", "--config", setup.config])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdoutText.contains("removed 1 segments, \(betaKeys.count) keys"))
        #expect(!FileManager.default.fileExists(atPath: setup.scratch.file("out/beta")))
        #expect(!FileManager.default.fileExists(atPath: setup.scratch.file("state/keys/beta")))
        #expect(try setup.files(under: "out") == others, "other tenants' segments byte-identical")
        #expect(try setup.files(under: "state/keys") == otherKeys, "other tenants' keys untouched")
        let audit = try CLI.run(["audit", "--config", setup.config, "--tenant", "beta", "--kind", "delete", "--json"])
        // Entries about beta (those about every tenant, such as sweeps, are listed too).
        let events = audit.stdoutText.split(separator: "\n").compactMap { line -> String? in
            let entry = try? CLI.jsonObject(Data(line.utf8))
            return entry?["tenant"] as? String == "beta" ? entry?["event"] as? String : nil
        }
        #expect(events == ["tenant_removal_started", "segment_deleted", "tenant_removed"], "\(audit.stdoutText)")
        let keyEvents = try CLI.run(["audit", "--config", setup.config, "--tenant", "beta", "--kind", "key"])
        #expect(keyEvents.stdoutText.components(separatedBy: "key_destroyed").count - 1 == betaKeys.count)
        // Run again: nothing left, nothing to do.
        let again = try CLI.run(["tenant", "remove", "beta", "--config", setup.config])
        #expect(again.status == 0)
        #expect(again.stdoutText.contains("removed 0 segments, 0 keys"))
        let verify = try CLI.run(["audit", "--config", setup.config, "--verify"])
        #expect(verify.status == 0, "\(verify.stdoutText)")
    }

    @Test func eachTenantsRetentionDeletesOnlyItsOwnWindows() throws {
        let setup = try Setup(seed: 0x5E7)
        defer { setup.scratch.cleanup() }
        let acme = try setup.files(under: "out").filter { $0.key.hasPrefix("acme/") }
        let beta = try setup.files(under: "out").filter { $0.key.hasPrefix("beta/") }
        // Three days on: gamma keeps output one day, acme thirty, beta forever.
        let sweep = try CLI.run(["retention", "--config", setup.config, "--now", "@\(setup.now + 3 * 86_400)"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let after = try setup.files(under: "out")
        #expect(!after.keys.contains { $0.hasPrefix("gamma/") })
        #expect(after.filter { $0.key.hasPrefix("acme/") } == acme)
        #expect(after.filter { $0.key.hasPrefix("beta/") } == beta)
        let audit = try CLI.run(["audit", "--config", setup.config, "--tenant", "gamma", "--kind", "delete"])
        #expect(audit.stdoutText.contains("segment_deleted"))
        let acmeDeletions = try CLI.run(["audit", "--config", setup.config, "--tenant", "acme", "--kind", "delete"])
        #expect(!acmeDeletions.stdoutText.contains("segment_deleted"), "\(acmeDeletions.stdoutText)")
    }

    @Test func aDefaultTenantTakesTheUnroutedLinesAndAnInputCanBelongToOneTenant() throws {
        let setup = try Setup(seed: 0xDEF, tenants: TenantTests.tenantsConfig + "[tenants]\ndefault = \"beta\"\n")
        defer { setup.scratch.cleanup() }
        let beta = try setup.output("beta").map { Self.parse($0).number }
        #expect(
            beta == setup.lines.indices.filter { setup.lines[$0].tenant == "beta" || setup.lines[$0].tenant == nil }
        )
        // A whole input for one tenant: every line, whatever its host.
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try FileManager.default.copyItem(atPath: setup.scratch.file("access.log"), toPath: scratch.file("access.log"))
        try Setup.writeConfig(scratch: scratch, tenants: TenantTests.tenantsConfig)
        var config = try String(contentsOfFile: scratch.file("logonym.toml"), encoding: .utf8)
        config += "\ntenant = \"gamma\"\n"
        try config.write(toFile: scratch.file("logonym.toml"), atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--config", scratch.file("logonym.toml"), "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(
            contentsOfFile: scratch.file("out/gamma/web/")
                + (try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/gamma/web")).sorted().first!),
            encoding: .utf8
        )
        #expect(lines.split(separator: "\n").count >= 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("out")) == ["gamma"])
    }

    @Test func aCaddyJSONLogIsRoutedByItsRequestHost() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let now = Int(Date().timeIntervalSince1970)
        var text = ""
        for (i, host) in ["shop.acme.example", "beta.example", "other.example", "beta.example"].enumerated() {
            // Caddy's access log: the host under "request", beside the headers (caddyserver.com/docs/caddyfile/directives/log).
            text +=
                #"{"level":"info","ts":\#(now - 100 + i),"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.\#(i + 1)","remote_port":"51234","client_ip":"203.0.113.\#(i + 1)","proto":"HTTP/2.0","method":"GET","host":"\#(host)","uri":"/p\#(i)","headers":{"User-Agent":["curl/8.5.0"]}},"bytes_read":0,"duration":0.001,"size":12,"status":200}"#
            text += "\n"
        }
        try text.write(toFile: scratch.file("access.log"), atomically: true, encoding: .utf8)
        try Setup.writeConfig(scratch: scratch, tenants: TenantTests.tenantsConfig)
        var config = try String(contentsOfFile: scratch.file("logonym.toml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "format = \"vhost_combined\"", with: "format = \"caddy\"")
        try config.write(toFile: scratch.file("logonym.toml"), atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--config", scratch.file("logonym.toml"), "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        func lines(_ tenant: String) throws -> [String] {
            let directory = scratch.file("out/\(tenant)/web")
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
            return try names.sorted().flatMap {
                try String(contentsOfFile: directory + "/" + $0, encoding: .utf8).split(separator: "\n").map(
                    String.init
                )
            }
        }
        #expect(try lines("acme").count == 1)
        #expect(try lines("beta").count == 2)
        #expect(try lines("beta").allSatisfy { $0.contains("beta.example") && !$0.contains("203.0.113.") })
        #expect(try lines("gamma").isEmpty)
    }

    @Test func aBatchRunWritesOneTenantsSegmentsUnderItsKeysOnce() throws {
        let setup = try Setup(seed: 0xBA7)
        defer { setup.scratch.cleanup() }
        let log = setup.scratch.file("access.log")
        for (arguments, message) in [
            (["--tenant", "gamma", log], "--tenant goes with --config"),
            (["--config", setup.config, log], "give --tenant"),
            (["--config", setup.config, "--tenant", "gamma", "--method", "hmac", log], "--method"),
            (["--config", setup.config, "--tenant", "nobody", log], "not a tenant"),
        ] {
            let refused = try CLI.run(["anonymize"] + arguments)
            #expect(refused.status == 2, "\(arguments)")
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
        }
        let arguments = [
            "anonymize", "--config", setup.config, "--tenant", "gamma", "--source", "archive", "--format",
            "vhost_combined",
            "--summary", "json", log,
        ]
        let run = try CLI.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let directory = setup.scratch.file("out/gamma/archive")
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(!segments.isEmpty && segments.allSatisfy { $0.hasSuffix(".log.gz") })
        var text = ""
        for name in segments {
            let plain = try CLI.runProgram(try #require(CLI.which("gzip")), ["-dc", directory + "/" + name])
            text += plain.stdoutText
        }
        let lines = text.split(separator: "\n").map { Self.parse(String($0)) }
        // Every line once, whatever its host (one whose host is an IPv6 literal does not parse: it has no time of its
        // own and goes to the window of the clock).
        #expect(lines.map(\.number).sorted() == Array(setup.lines.indices), "every line, once, whatever its host")
        for (number, client) in lines { #expect(client != setup.lines[number].client) }
        // gamma's keys: the same pseudonyms as the daemon's gamma lines of the same window.
        let daemon = Dictionary(
            try setup.output("gamma").map(Self.parse).map { ($0.number, $0.client) },
            uniquingKeysWith: { a, _ in a }
        )
        for (number, client) in lines where daemon[number] != nil { #expect(daemon[number] == client) }
        // A rerun reads nothing again.
        let again = try CLI.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let after = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(after == segments)
        let stats = try CLI.run(["stats", "--config", setup.config, "--tenant", "gamma", "--by", "source", "--json"])
        let rows = try #require(try CLI.jsonObject(stats.stdout)["rows"] as? [[String: Any]])
        #expect(
            rows.first { $0["source"] as? String == "gamma/archive" }?["lines_written"] as? Int == setup.lines.count
        )
    }

    /// A configuration that gains tenants, then loses one: what was written before (segments and keys of no
    /// tenant, and of the tenant removed from the configuration) is still swept by retention, and `forget` still
    /// finds the subject in the segments of no tenant (or says which tenant it could not search).
    @Test func whatEarlierConfigurationsWroteIsStillSweptAndSearched() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let now = Int(Date().timeIntervalSince1970)
        let time = RetentionTests.logTime(now / 3_600 * 3_600 + 60)
        let subject = "198.51.100.9"
        let lines = ["shop.acme.example", "beta.example", "other.example"].map {
            "\($0):443 \(subject) - - [\(time)] \"GET /p HTTP/1.1\" 200 5 \"-\" \"ua\"\n"
        }
        try lines.joined().write(toFile: scratch.file("access.log"), atomically: true, encoding: .utf8)
        // Before tenants: one segment of the input, one key of no tenant.
        let hmac = "[anonymize]\nmethod = \"hmac\"\n"
        func configure(_ tenants: String) throws {
            try Setup.writeConfig(scratch: scratch, tenants: tenants)
            var text = try String(contentsOfFile: scratch.file("logonym.toml"), encoding: .utf8)
            text = text.replacingOccurrences(of: "[anonymize]\nmethod = \"truncate\"\n", with: hmac)
            text = text.replacingOccurrences(of: "output = \"off\"", with: "output = \"30d\"")
            try text.write(toFile: scratch.file("logonym.toml"), atomically: true, encoding: .utf8)
        }
        try configure("")
        #expect(try CLI.run(["run", "--config", scratch.file("logonym.toml"), "--once"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.file("out/web")))
        // Tenants come: the old segment and key stay under the scope of no tenant.
        try String(repeating: lines[0] + lines[1], count: 1).write(
            toFile: scratch.file("access.log"),
            atomically: true,
            encoding: .utf8
        )
        try configure(TenantTests.tenantsConfig)
        let config = scratch.file("logonym.toml")
        let run = try CLI.run(["run", "--config", config, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("before tenants were configured"))
        let dry = try CLI.run(["forget", "--config", config, "--address", subject, "--dry-run", "--json"])
        let plan = try CLI.jsonObject(dry.stdout)
        #expect((plan["lines_removed"] as? Int ?? plan["linesRemoved"] as? Int) ?? 0 >= 1, "\(dry.stdoutText)")
        // beta leaves the configuration without being removed: forget says it did not search it.
        let remaining = TenantTests.tenantsConfig.components(separatedBy: "[[tenant]]").filter {
            !$0.contains("\"beta\"")
        }.joined(separator: "[[tenant]]")
        try configure(remaining)
        let forget = try CLI.run(["forget", "--config", config, "--address", subject])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(forget.stdoutText.contains("tenant beta: no longer configured"), "\(forget.stdoutText)")
        #expect(
            try String(
                contentsOfFile: scratch.file("out/web/")
                    + (try FileManager.default.contentsOfDirectory(atPath: scratch.file("out/web")).first!),
                encoding: .utf8
            ).isEmpty
        )
        // Sixty days on, every segment and key is gone, whoever wrote it.
        let sweep = try CLI.run(["retention", "--config", config, "--now", "@\(now + 60 * 86_400)"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        var left: [String] = []
        for directory in ["out", "state/keys"] {
            let root = scratch.file(directory)
            for case let path as String in FileManager.default.enumerator(atPath: root) ?? .init() {
                if path.hasSuffix(".log") || path.hasSuffix(".key") && !path.hasSuffix("objections.key") {
                    left.append(path)
                }
            }
        }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func aLongLineGoesToTheTenantItsHostNamesOrNowhere() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let time = RetentionTests.logTime(Int(Date().timeIntervalSince1970))
        let long = String(repeating: "a", count: 70_000)
        let text = """
            shop.acme.example:443 203.0.113.7 - - [\(time)] "GET /long?x=\(long) HTTP/1.1" 200 5 "-" "ua"
            beta.example:443 203.0.113.8 - - [\(time)] "GET /short HTTP/1.1" 200 5 "-" "ua"
            shop.acme.example garbage that does not parse 203.0.113.9

            """ + " unparsable, and no host where the host goes 203.0.113.10\n"
        try text.write(toFile: scratch.file("access.log"), atomically: true, encoding: .utf8)
        try Setup.writeConfig(scratch: scratch, tenants: TenantTests.tenantsConfig + "[tenants]\ndefault = \"beta\"\n")
        let run = try CLI.run(["run", "--config", scratch.file("logonym.toml"), "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        func lines(_ tenant: String) throws -> [String] {
            let directory = scratch.file("out/\(tenant)/web")
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
            return try names.flatMap {
                try String(contentsOfFile: directory + "/" + $0, encoding: .utf8).split(separator: "\n").map(
                    String.init
                )
            }
        }
        let acme = try lines("acme")
        #expect(
            acme.count == 2 && acme.allSatisfy { $0.hasPrefix("shop.acme.example") },
            "the long one and the unparsable one"
        )
        #expect(
            try lines("beta").count == 1,
            "only beta's own: a line whose host is unknown is not given to the default"
        )
        let stats = try CLI.run(["stats", "--config", scratch.file("logonym.toml"), "--json"])
        let totals = try #require(try CLI.jsonObject(stats.stdout)["totals"] as? [String: Any])
        #expect(totals["dropped_unrouted"] as? Int == 1)
        for client in ["203.0.113.7", "203.0.113.8", "203.0.113.9", "203.0.113.10"] {
            #expect(!(try lines("acme") + lines("beta")).contains { $0.contains(client) })
        }
    }

    @Test func anErasureInSeveralTenantsIsAuditedForEachApart() throws {
        let setup = try Setup(seed: 0xE2A)
        defer { setup.scratch.cleanup() }
        let forget = try CLI.run(["forget", "--config", setup.config, "--address", "198.51.100.2"])
        #expect(forget.status == 0, "\(forget.stderr)")
        let audit = try CLI.run(["audit", "--config", setup.config, "--tenant", "acme", "--json"])
        for line in audit.stdoutText.split(separator: "\n") {
            #expect(!line.contains("gamma"), "\(line)")
        }
        #expect(audit.stdoutText.contains("erasure_done"))
        let report = try CLI.run(["report", "--config", setup.config, "--tenant", "gamma"])
        #expect(!report.stdoutText.contains("acme"))
    }

    @Test func tenantMistakesNameTheirKeys() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let cases: [(String, String)] = [
            (
                "[[tenant]]\nname = \"a\"\nhosts = [\"x.example\"]\n[[tenant]]\nname = \"b\"\nhosts = [\"X.example\"]\n",
                "tenant[1].hosts"
            ),
            (
                "[[tenant]]\nname = \"a\"\n[tenant.anonymize]\non_unparsable = \"drop\"\n",
                "tenant[0].anonymize.on_unparsable"
            ),
            ("[[tenant]]\nname = \"Acme Corp\"\n", "tenant[0].name"),
            ("[[tenant]]\nname = \"a\"\nhosts = [\"*\"]\n", "tenant[0].hosts"),
            ("[[tenant]]\nname = \"a\"\nhosts = [\"a.example:80\"]\n", "tenant[0].hosts"),
            ("[[tenant]]\nname = \"1d-2026-12-01-x.key\"\n", "tenant[0].name"),
            ("[[tenant]]\nname = \"a\"\n[tenants]\ndefault = \"b\"\n", "tenants.default"),
            ("[[tenant]]\nname = \"a\"\n[tenant.retention]\noutput = \"soon\"\n", "tenant[0].retention.output"),
        ]
        for (tenants, key) in cases {
            try Setup.writeConfig(scratch: scratch, tenants: tenants)
            let check = try CLI.run(["check-config", scratch.file("logonym.toml")])
            #expect(check.status == 2, "\(tenants)")
            #expect(
                check.stdoutText.contains(key) || check.stderr.contains(key),
                "\(key): \(check.stdoutText) \(check.stderr)"
            )
        }
        try Setup.writeConfig(scratch: scratch, tenants: "[[tenant]]\nname = \"a\"\n")
        var config = try String(contentsOfFile: scratch.file("logonym.toml"), encoding: .utf8)
        config += "\ntenant = \"nobody\"\n"
        try config.write(toFile: scratch.file("logonym.toml"), atomically: true, encoding: .utf8)
        let check = try CLI.run(["check-config", scratch.file("logonym.toml")])
        #expect(check.status == 2)
        #expect(check.stdoutText.contains("input[0].tenant"))
    }
}
