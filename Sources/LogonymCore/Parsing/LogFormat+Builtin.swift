extension LogFormat {
    /// Apache and nginx `combined`.
    public static let combined = builtin(
        "combined",
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
    )

    /// Apache `common` (CLF).
    public static let common = builtin(
        "common",
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#
    )

    /// Apache `vhost_combined`: `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`.
    public static let vhostCombined = builtin(
        "vhost_combined",
        #"$host:$server_port $remote_addr - $remote_user [$time_local] "$request" $status $bytes_sent "$http_referer" "$http_user_agent""#
    )

    /// nginx's stock `main` format: combined followed by a quoted `$http_x_forwarded_for`.
    public static let nginxMain = builtin(
        "nginx-main",
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for""#
    )

    /// Traefik's access log in its default CLF form: combined, then the request count, the router, the server URL
    /// and the duration (`... "Mozilla/5.0" 1 "web@docker" "http://172.17.0.3:80" 2ms`).
    public static let traefikCLF = builtin(
        "traefik-clf",
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $traefik_requests "$traefik_router" "$traefik_server_url" ${traefik_duration_ms}ms"#
    )

    /// HAProxy's `option httplog` (`%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc
    /// %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r`): with two, one or no `{...}` blocks of captured headers, and with
    /// or without the syslog prefix a file written by rsyslog has (`Nov 27 10:00:00 lb1 haproxy[14389]: `). The
    /// accept time has milliseconds and no offset: it is read as UTC.
    public static let haproxyVariants: [LogFormat] = {
        let head =
            #"$remote_addr [$time_local] $haproxy_frontend $haproxy_backend $haproxy_timers $status $body_bytes_sent $haproxy_request_cookie $haproxy_response_cookie $haproxy_termination_state $haproxy_connections $haproxy_queues"#
        let captures = [" {$haproxy_request_headers} {$haproxy_response_headers}", " {$haproxy_request_headers}", ""]
        return captures.flatMap { capture in
            let format = head + capture + #" "$request""#
            return [builtin("haproxy", "$syslog_prefix: " + format), builtin("haproxy", format)]
        }
    }()

    /// IIS's default W3C extended fields, for lines before the first `#Fields:` directive.
    public static let w3cDefault = w3c(
        fields: "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) "
            + "sc-status sc-substatus sc-win32-status time-taken"
    )!

    /// The built-in text formats, most specific first (the order auto-detection tries them in).
    public static let builtins: [LogFormat] =
        [.vhostCombined, .traefikCLF, .nginxMain, .combined, .common] + haproxyVariants + [.w3cDefault]

    /// The formats a built-in name stands for (HAProxy's name stands for its variants).
    public static func named(_ name: String) -> [LogFormat] {
        builtins.filter { $0.name == name }
    }

    /// A W3C extended log format (IIS) from the field names of a `#Fields:` directive (without `#Fields:`), each
    /// field as nginx names its value: `c-ip` is `$remote_addr`, `cs(X-Forwarded-For)` `$http_x_forwarded_for`,
    /// `date` and `time` the line's time in UTC; a field logonym does not know is opaque (scanned). `nil` when the
    /// list has no client address.
    public static func w3c(fields: String) -> LogFormat? {
        let known: [String: String] = [
            "date": "w3c_date", "time": "w3c_time", "c-ip": "remote_addr", "s-ip": "server_addr",
            "cs-method": "request_method", "cs-uri-stem": "uri", "cs-uri-query": "args", "cs-uri": "request_uri",
            "s-port": "server_port", "cs-username": "remote_user", "cs-host": "host", "cs-version": "server_protocol",
            "sc-status": "status", "sc-substatus": "w3c_substatus", "sc-win32-status": "w3c_win32_status",
            "time-taken": "request_time", "sc-bytes": "bytes_sent", "cs-bytes": "bytes_received",
        ]
        let names = fields.split(separator: " ", omittingEmptySubsequences: true).map { String($0) }
        let variables = names.map { name -> String in
            let lower = name.lowercased()
            if let variable = known[lower] { return "$" + variable }
            func sanitized(_ text: Substring) -> String {
                String(text.map { $0.isLetter || $0.isNumber ? $0 : "_" })
            }
            for (prefix, nginx) in [("cs(", "http_"), ("sc(", "sent_http_"), ("s(", "w3c_s_"), ("c(", "w3c_c_")]
            where lower.hasPrefix(prefix) && lower.hasSuffix(")") {
                return "$" + nginx + sanitized(lower.dropFirst(prefix.count).dropLast())
            }
            // IIS names a custom field as the administrator typed it (`X-Forwarded-For`).
            if AddressVocabulary.role(of: lower) != nil { return "$http_" + sanitized(Substring(lower)) }
            return "$w3c_" + sanitized(Substring(lower))
        }
        return try? LogFormat(nginx: variables.joined(separator: " "), name: "w3c")
    }

    private static func builtin(_ name: String, _ format: String) -> LogFormat {
        do {
            return try LogFormat(nginx: format, name: name)
        } catch {
            preconditionFailure("built-in format \(name) does not compile: \(error)")
        }
    }

    /// Translates an Apache `LogFormat` string (`%h %l %u %t "%r" %>s %b ...`) into nginx syntax.
    ///
    /// A request header `%{Name}i` becomes `$http_name` (lower case, `-` as `_`), as nginx names it, so a header is
    /// an address under either syntax (``AddressVocabulary``); a response header `%{Name}o` becomes
    /// `$sent_http_name`; `%{c}a` and `%{c}h` (the peer before `mod_remoteip`) become `$realip_remote_addr`. Any
    /// other `%{...}x` is an opaque field (scanned for addresses).
    ///
    /// - Throws: ``LogFormatError`` naming a directive logonym does not know.
    public static func nginxSyntax(fromApache format: String) throws(LogFormatError) -> String {
        let directives: [String: String] = [
            "h": "$remote_addr", "a": "$remote_addr", "l": "$remote_ident", "u": "$remote_user",
            "t": "[$time_local]", "r": "$request", "s": "$status", ">s": "$status", "b": "$body_bytes_sent",
            "B": "$body_bytes_sent", "O": "$bytes_sent", "I": "$bytes_received", "v": "$host", "V": "$host",
            "p": "$server_port", "D": "$request_time_us", "T": "$request_time", "m": "$request_method",
            "U": "$uri", "q": "$query_string", "H": "$server_protocol", "X": "$connection_status",
            "k": "$keepalive_count",
        ]
        var out = ""
        var chars = Substring(format)
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "%" else {
                out.append(c)
                continue
            }
            if chars.first == "%" {
                out.append("%")
                chars = chars.dropFirst()
                continue
            }
            if chars.first == "{", let close = chars.firstIndex(of: "}") {
                let argument = String(chars[chars.index(after: chars.startIndex)..<close]).lowercased()
                chars = chars[chars.index(after: close)...]
                guard let kind = chars.first else { throw LogFormatError("'%{\(argument)}' has no directive letter") }
                chars = chars.dropFirst()
                let name = String(argument.map { $0.isLetter || $0.isNumber ? $0 : "_" })
                switch kind {
                case "i": out += "$http_\(name)"
                case "o": out += "$sent_http_\(name)"
                case "a" where argument == "c", "h" where argument == "c": out += "$realip_remote_addr"
                default: out += "$apache_\(kind)_\(name)"
                }
                continue
            }
            var key = ""
            while let m = chars.first, m == ">" || m == "<" {
                key.append(m)
                chars = chars.dropFirst()
            }
            guard let letter = chars.first else { throw LogFormatError("the format ends in '%'") }
            chars = chars.dropFirst()
            key.append(letter)
            guard let variable = directives[key] ?? directives[String(letter)] else {
                throw LogFormatError("the Apache directive '%\(key)' is not supported")
            }
            out += variable
        }
        return out
    }
}
