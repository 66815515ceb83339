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

    /// The built-in text formats, most specific first (the order auto-detection tries them in).
    public static let builtins: [LogFormat] = [.vhostCombined, .nginxMain, .combined, .common]

    /// A built-in format by the name the CLI uses.
    public static func named(_ name: String) -> LogFormat? {
        builtins.first { $0.name == name }
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
        let headers: [String: String] = [
            "referer": "$http_referer", "user-agent": "$http_user_agent",
            "x-forwarded-for": "$http_x_forwarded_for", "x-real-ip": "$http_x_real_ip",
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
                if kind == "i", let variable = headers[argument] {
                    out += variable
                } else {
                    let name = argument.map { $0.isLetter || $0.isNumber ? $0 : "_" }
                    out += "$apache_\(kind)_\(String(name))"
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
