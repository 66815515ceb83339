/// The names under which servers and proxies write client addresses: nginx variables, Apache directives (through
/// ``LogFormat/nginxSyntax(fromApache:)``), request headers, and the keys of Caddy's, Traefik's and nginx's JSON
/// logs.
///
/// Names are compared as ``normalized(_:)`` makes them: case-insensitively, with `-` and `_` alike, and without an
/// `http_` or `request_` prefix (nginx's `$http_x_real_ip`, Traefik's `request_X-Real-Ip` and Caddy's header map's
/// `X-Real-Ip` are one name). A name that is not here is not trusted either: its values go through the address
/// scanner (see ``LogFormat/Field/opaque``).
public enum AddressVocabulary: Sendable {
    /// What a named value holds.
    public enum Role: Sendable, Equatable {
        /// The client's own address (`$remote_addr`, Apache `%a`/`%h`, Caddy `client_ip`, Traefik `ClientHost`).
        case client
        /// An address, or a comma-separated list of addresses (forwarding headers, the peer before `realip`).
        case list
        /// An RFC 7239 `Forwarded` header: `for=`/`by=` nodes among other parameters.
        case forwarded
    }

    /// The role of the name `b[range]`, if it is one of the vocabulary's (a line's JSON key, looked up in place).
    public static func role(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Role? {
        var start = range.lowerBound
        for prefix in prefixes
        where range.count > prefix.count && NormalizedName.equals(b, start..<(start + prefix.count), prefix) {
            start += prefix.count
            break
        }
        return roles.value(b, start..<range.upperBound)
    }

    /// The role of a name, if it is one of the vocabulary's.
    public static func role(of name: String) -> Role? {
        Array(name.utf8).withUnsafeBufferPointer { role($0, 0..<$0.count) }
    }

    /// Lower case, `-` as `_`, without a leading `http_` or `request_`.
    public static func normalized(_ name: some Collection<UInt8>) -> [UInt8] {
        var bytes = name.map { c -> UInt8 in
            if c == UInt8(ascii: "-") { return UInt8(ascii: "_") }
            return c >= 0x41 && c <= 0x5A ? c | 0x20 : c
        }
        for prefix in prefixes where bytes.count > prefix.count && bytes.starts(with: prefix) {
            bytes.removeFirst(prefix.count)
            break
        }
        return bytes
    }

    private static let prefixes: [[UInt8]] = [Array("http_".utf8), Array("request_".utf8)]

    private static let roles: NormalizedNames<Role> = {
        let client = [
            "remote_addr", "client_ip", "remote_ip", "clienthost", "clientaddr",
        ]
        let list = [
            "x_forwarded_for", "proxy_add_x_forwarded_for", "x_real_ip", "cf_connecting_ip", "true_client_ip",
            "x_client_ip", "x_cluster_client_ip", "fastly_client_ip", "x_original_forwarded_for", "x_appengine_user_ip",
            "cf_connecting_ipv6", "x_envoy_external_address", "proxy_protocol_addr", "realip_remote_addr",
            "the_real_ip", "peer_addr", "x_forwarded", "forwarded_for", "x_remote_addr", "x_originating_ip",
        ]
        return NormalizedNames(client.map { ($0, .client) } + list.map { ($0, .list) } + [("forwarded", .forwarded)])
    }()
}
