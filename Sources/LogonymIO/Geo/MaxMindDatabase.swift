import CMaxMindDB
import Foundation
import Glibc
public import LogonymCore
import Synchronization

/// A `.mmdb` database (GeoLite2 / GeoIP2 Country or City, DB-IP lite, an ASN database) read through
/// libmaxminddb: `country.iso_code` (else `registered_country.iso_code`), `continent.code` and
/// `autonomous_system_number`.
public final class MaxMindDatabase: GeoDatabase {
    public let path: String
    /// The database's type from its metadata (`GeoLite2-Country`).
    public let databaseType: String
    /// Whether the tree holds IPv6 (an IPv4-only database answers `unknown` for every IPv6 address).
    public let hasIPv6: Bool
    private let mmdb: UnsafeMutablePointer<MMDB_s>
    /// Lookups that failed inside the database (counted, answered as unknown).
    public var errors: Int { errorCount.load(ordering: .relaxed) }
    /// (Atomic: the threads processing one input look up in one database.)
    private let errorCount = Atomic<Int>(0)

    /// Opens and checks the database: the metadata must be valid and every node of the search tree must point
    /// somewhere, so a corrupt file fails here, at start, naming the file.
    public init(path: String) throws(LogonymIOError) {
        guard access(path, R_OK) == 0 else {
            throw .system("open", path: path, errno: errno)
        }
        mmdb = .allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), mmdb)
        guard status == MMDB_SUCCESS else {
            mmdb.deallocate()
            throw LogonymIOError(
                code: .invalidDatabase,
                path: path,
                message: "not a usable MaxMind database: \(String(cString: MMDB_strerror(status)))"
            )
        }
        let badNode = logonym_mmdb_first_bad_node(mmdb)
        if badNode >= 0 {
            MMDB_close(mmdb)
            mmdb.deallocate()
            throw LogonymIOError(
                code: .invalidDatabase,
                path: path,
                message: "corrupt MaxMind database: search tree node \(badNode) points outside the file"
            )
        }
        self.path = path
        databaseType = String(cString: mmdb.pointee.metadata.database_type)
        hasIPv6 = mmdb.pointee.metadata.ip_version == 6
    }

    deinit {
        MMDB_close(mmdb)
        mmdb.deallocate()
    }

    public func lookup(_ address: IPAddress) -> GeoBucket {
        var record = logonym_geo_record()
        switch address {
        case .v4(let value):
            var socket = sockaddr_in()
            socket.sin_family = sa_family_t(AF_INET)
            socket.sin_addr.s_addr = value.bigEndian
            withUnsafePointer(to: &socket) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { logonym_mmdb_lookup(mmdb, $0, &record) }
            }
        case .v6(let hi, let lo):
            guard hasIPv6 else { return .unknown }
            var socket = sockaddr_in6()
            socket.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &socket.sin6_addr) { raw in
                raw.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: lo.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            withUnsafePointer(to: &socket) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { logonym_mmdb_lookup(mmdb, $0, &record) }
            }
        }
        if record.error != MMDB_SUCCESS && record.error != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR {
            errorCount.add(1, ordering: .relaxed)
            return .unknown
        }
        guard record.found != 0 else { return .unknown }
        var bucket = GeoBucket()
        bucket.country = Self.code(record.country)
        bucket.continent = Self.code(record.continent)
        bucket.asn = record.asn
        if bucket.country == 0 && bucket.continent == 0 && bucket.asn == 0 { return .unknown }
        return bucket
    }

    /// A two-letter code from the C record's `char[4]`.
    private static func code(_ text: (CChar, CChar, CChar, CChar)) -> UInt16 {
        guard text.0 != 0, text.1 != 0, text.2 == 0 else { return 0 }
        return GeoCode.pack(UInt8(bitPattern: text.0), UInt8(bitPattern: text.1))
    }
}

@available(*, unavailable)
extension MaxMindDatabase: Sendable {}
