import Foundation
public import LogonymCore

/// Which geolocation databases to use and what lines carry.
public struct GeoSettings: Sendable, Equatable {
    /// `auto`, or the path of a `.mmdb` file, a Tor `geoip`/`geoip6` file or a directory holding them.
    public var database: String
    /// A separate AS-number database (`.mmdb`), `auto`, or `nil`.
    public var asnDatabase: String?
    public var level: GeoLevel
    /// Same-format output gets a trailing `"geo=…"` field.
    public var appendField: Bool
    /// Aggregates report a bucket only with at least this many distinct clients.
    public var k: Int

    public init(
        database: String = "auto",
        asnDatabase: String? = nil,
        level: GeoLevel = .country,
        appendField: Bool = false,
        k: Int = 10
    ) {
        self.database = database
        self.asnDatabase = asnDatabase
        self.level = level
        self.appendField = appendField
        self.k = k
    }
}

/// Opens geolocation databases by path or by looking in the usual places.
public enum GeoDatabases: Sendable {
    /// What was opened, for the notice that says so.
    public struct Opened {
        public var databases: [any GeoDatabase]
        public var description: String
    }

    /// The usual places, in order (in debug builds, `LOGONYM_GEO_PATH`, colon-separated directories, replaces them
    /// for tests).
    static var searchDirectories: [String] {
        #if DEBUG
        if let custom = ProcessInfo.processInfo.environment["LOGONYM_GEO_PATH"] {
            return custom.split(separator: ":").map(String.init)
        }
        #endif
        return ["/usr/share/GeoIP", "/var/lib/GeoIP", "/usr/share/tor"]
    }

    /// Opens what the settings name; `nil` when `auto` found nothing (geo is off).
    ///
    /// - Throws: a missing, unreadable or corrupt database, naming the file.
    public static func open(_ settings: GeoSettings) throws(LogonymIOError) -> Opened? {
        var databases: [any GeoDatabase] = []
        var used: [String] = []
        let countryPath = settings.database == "auto" ? autoCountry() : settings.database
        guard let countryPath else { return nil }
        let country = try openOne(countryPath)
        databases.append(country.0)
        used.append(country.1)
        var asnPath = settings.asnDatabase
        if asnPath == "auto" { asnPath = autoASN() }
        if let asnPath {
            let asn = try openOne(asnPath)
            databases.append(asn.0)
            used.append(asn.1)
        }
        return Opened(databases: databases, description: used.joined(separator: " + "))
    }

    /// One database: a directory (Tor files), a Tor range file (with its `geoip`/`geoip6` sibling), or `.mmdb`.
    static func openOne(_ path: String) throws(LogonymIOError) -> (any GeoDatabase, String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LogonymIOError(code: .notFound, path: path, message: "no such geolocation database")
        }
        if isDirectory.boolValue {
            let v4 = path + "/geoip"
            let v6 = path + "/geoip6"
            let hasV4 = FileManager.default.fileExists(atPath: v4)
            let hasV6 = FileManager.default.fileExists(atPath: v6)
            guard hasV4 || hasV6 else {
                throw LogonymIOError(
                    code: .invalidDatabase,
                    path: path,
                    message: "a directory must hold the Tor range files geoip and/or geoip6"
                )
            }
            let database = try TorRangeDatabase(ipv4: hasV4 ? v4 : nil, ipv6: hasV6 ? v6 : nil)
            return (database, "Tor ranges \(database.paths.joined(separator: ", "))")
        }
        if let family = torFamily(path) {
            let directory = (path as NSString).deletingLastPathComponent
            let sibling = directory + "/" + (family == 4 ? "geoip6" : "geoip")
            let other = FileManager.default.fileExists(atPath: sibling) && torFamily(sibling) != nil ? sibling : nil
            let database =
                family == 4
                ? try TorRangeDatabase(ipv4: path, ipv6: other) : try TorRangeDatabase(ipv4: other, ipv6: path)
            return (database, "Tor ranges \(database.paths.joined(separator: ", "))")
        }
        let database = try MaxMindDatabase(path: path)
        return (database, "\(path) (\(database.databaseType))")
    }

    /// 4 or 6 when the file is in the Tor range format (its first data line is `START,END,CC`).
    static func torFamily(_ path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        guard !head.contains(0) else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { !$0.hasPrefix("#") && !$0.isEmpty }) else {
            return nil
        }
        let parts = line.split(separator: ",")
        guard parts.count == 3 else { return nil }
        return parts[0].contains(":") ? 6 : 4
    }

    /// The first country database in the usual places: `.mmdb` files with Country in their name, then City,
    /// then any other that is not an ASN database, then the Tor files.
    static func autoCountry() -> String? {
        var mmdbs: [String] = []
        var tor: String?
        for directory in searchDirectories {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            mmdbs += names.filter { $0.hasSuffix(".mmdb") && !$0.contains("ASN") }.map { directory + "/" + $0 }
            if tor == nil, names.contains("geoip") || names.contains("geoip6") { tor = directory }
        }
        let ranked = mmdbs.sorted { rank($0) < rank($1) }
        return ranked.first ?? tor
    }

    private static func rank(_ path: String) -> Int {
        let name = (path as NSString).lastPathComponent
        if name.contains("Country") || name.contains("country") { return 0 }
        if name.contains("City") || name.contains("city") { return 1 }
        return 2
    }

    /// The first `.mmdb` with ASN in its name in the usual places.
    static func autoASN() -> String? {
        for directory in searchDirectories {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            if let name = names.first(where: { $0.hasSuffix(".mmdb") && $0.contains("ASN") }) {
                return directory + "/" + name
            }
        }
        return nil
    }
}

@available(*, unavailable)
extension GeoDatabases.Opened: Sendable {}
