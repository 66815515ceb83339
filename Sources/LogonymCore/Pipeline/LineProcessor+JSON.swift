/// Writes one JSON object, field by field, handling the commas.
struct JSONObjectWriter {
    private var empty = true

    mutating func key(_ name: StaticString, into out: inout [UInt8]) {
        out.append(empty ? UInt8(ascii: "{") : UInt8(ascii: ","))
        empty = false
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    func finish(into out: inout [UInt8]) {
        if empty { out.append(UInt8(ascii: "{")) }
        out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
    }
}

extension LineProcessor {
    /// `--output-format json` for a text format: `time`, `client`, `forwarded_for`, `vhost`, `method`, `path`,
    /// `protocol`, `status`, `bytes`, `referrer`, `user_agent`; absent fields are left out.
    func renderTextAsJSON(
        _ logFormat: LogFormat,
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8]
    ) {
        var object = JSONObjectWriter()
        let variables = logFormat.variables
        func first(_ field: LogFormat.Field) -> Range<Int>? {
            guard let k = variables.firstIndex(where: { $0.field == field }) else { return nil }
            return fieldMatch.range(k)
        }
        if let range = first(.timeLocal),
            let time = LogTimestamp.parseLocal(b, from: range.lowerBound, to: range.upperBound)
        {
            object.key("time", into: &out)
            writeTime(time, into: &out)
        } else if let range = first(.timeISO8601) {
            object.key("time", into: &out)
            JSONText.writeString(b, range, escaping: .none, into: &out)
        } else if let time = w3cTime(logFormat, b) {
            object.key("time", into: &out)
            writeTime(time, into: &out)
        }
        let addresses = addressVariables.map { (fieldMatch.range($0.index), $0.isList) }
        writeClientAndForwardedFor(b, addresses, escaping: .logQuoted, object: &object, into: &out)
        if let range = first(.vhost) {
            object.key("vhost", into: &out)
            withScrubbed(.opaque, b, range) { b, range in
                JSONText.writeString(b, range, escaping: .logQuoted, into: &out)
            }
        }
        if let range = first(.request) {
            withScrubbed(.request, b, range) { b, range in
                writeRequest(b, range, escaping: .logQuoted, object: &object, into: &out)
            }
        }
        writeNumberField("status", first(.status), b, object: &object, into: &out)
        writeNumberField("bytes", first(.bytes), b, object: &object, into: &out)
        if let range = first(.referrer) {
            withScrubbed(.referrer, b, range) { b, range in
                writeOptionalString("referrer", range, b, escaping: .logQuoted, object: &object, into: &out)
            }
        }
        if let range = first(.userAgent) {
            withScrubbed(.userAgent, b, range) { b, range in
                writeOptionalString("user_agent", range, b, escaping: .logQuoted, object: &object, into: &out)
            }
        }
        writeGeo(object: &object, into: &out)
        object.finish(into: &out)
    }

    /// `--output-format json` for JSON input: the same fields, read from nginx- and Caddy-style keys.
    func renderJSONAsJSON(_ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var object = JSONObjectWriter()
        func known(_ field: JSONLineFormat.KnownField) -> (range: Range<Int>, isString: Bool)? {
            jsonMatch.known[field.rawValue]
        }
        if let time = jsonTime(b, forWindow: false) {
            object.key("time", into: &out)
            writeTime(time, into: &out)
        }
        let addresses = Array(zip(jsonMatch.addressValues, jsonMatch.addressIsForwarded))
        writeClientAndForwardedFor(b, addresses, escaping: .json, object: &object, into: &out)
        if let (range, isString) = known(.vhost), isString {
            object.key("vhost", into: &out)
            withScrubbedJSON(.opaque, b, range) { b, range, escaping in
                JSONText.writeString(b, range, escaping: escaping, into: &out)
            }
        }
        if let (range, isString) = known(.request), isString {
            withScrubbedJSON(.request, b, range) { b, range, escaping in
                writeRequest(b, range, escaping: escaping, object: &object, into: &out)
            }
        } else {
            let parts: [(JSONLineFormat.KnownField, StaticString)] = [
                (.method, "method"), (.path, "path"), (.protocolName, "protocol"),
            ]
            for (field, name) in parts where known(field)?.isString ?? false {
                withScrubbedJSON(field == .path ? .url : .opaque, b, known(field)!.range) { b, range, escaping in
                    writeOptionalString(name, range, b, escaping: escaping, object: &object, into: &out)
                }
            }
        }
        writeNumberField("status", known(.status)?.range, b, object: &object, into: &out)
        writeNumberField("bytes", known(.bytes)?.range, b, object: &object, into: &out)
        if let (range, isString) = known(.referrer), isString {
            withScrubbedJSON(.referrer, b, range) { b, range, escaping in
                writeOptionalString("referrer", range, b, escaping: escaping, object: &object, into: &out)
            }
        }
        if let (range, isString) = known(.userAgent), isString {
            withScrubbedJSON(.userAgent, b, range) { b, range, escaping in
                writeOptionalString("user_agent", range, b, escaping: escaping, object: &object, into: &out)
            }
        }
        writeGeo(object: &object, into: &out)
        object.finish(into: &out)
    }

    /// `"geo": {...}` when geo is on.
    private func writeGeo(object: inout JSONObjectWriter, into out: inout [UInt8]) {
        guard let geo else { return }
        object.key("geo", into: &out)
        geo.writeJSON(into: &out)
    }

    /// Calls `body` with the field's bytes as the scrub stage and the address scanner leave them (the original
    /// bytes when neither changes anything).
    private func withScrubbed(
        _ field: LogFormat.Field,
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) -> Void
    ) {
        withScrubbedAndScanned(field, b, range, body)
    }

    /// ``withScrubbed(_:_:_:_:)`` for the contents of a JSON string: with an escape in it (Caddy writes `&` as
    /// `\u0026`), the value is scrubbed and scanned unescaped and handed on as raw bytes (escaping `.none`), else as
    /// it is (`.json`).
    func withScrubbedJSON(
        _ field: LogFormat.Field,
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ body: (UnsafeBufferPointer<UInt8>, Range<Int>, JSONText.SourceEscaping) -> Void
    ) {
        withUnescapedJSON(b, range) { value, valueRange, escaping in
            withScrubbed(field, value, valueRange) { result, resultRange in
                if result.baseAddress == value.baseAddress && resultRange == valueRange {
                    body(b, range, .json)
                } else {
                    body(result, resultRange, .none)
                }
            }
        }
    }

    /// Calls `body` with a JSON string's contents unescaped (escaping `.none`) when it has an escape, else as they
    /// are (`.json`: no escape, so the bytes are the value).
    func withUnescapedJSON(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ body: (UnsafeBufferPointer<UInt8>, Range<Int>, JSONText.SourceEscaping) -> Void
    ) {
        guard b[range].contains(UInt8(ascii: "\\")), let raw = JSONText.unescape(b, range) else {
            return body(b, range, .json)
        }
        raw.withUnsafeBufferPointer { body($0, 0..<$0.count, .none) }
    }

    private func writeTime(_ time: LogTimestamp, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        time.writeISO8601(into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// The anonymized value as a JSON string.
    private func writeAnonymizedString(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        escaping: JSONText.SourceEscaping,
        client: Bool = false,
        into out: inout [UInt8]
    ) {
        scratch.removeAll(keepingCapacity: true)
        writeAddressValue(b, range.lowerBound, range.upperBound, into: &scratch, client: client)
        scratch.withUnsafeBufferPointer { JSONText.writeString($0, 0..<$0.count, escaping: escaping, into: &out) }
    }

    /// `client` from the first value that is not a list, `forwarded_for` from all the others.
    private func writeClientAndForwardedFor(
        _ b: UnsafeBufferPointer<UInt8>,
        _ values: [(range: Range<Int>, isList: Bool)],
        escaping: JSONText.SourceEscaping,
        object: inout JSONObjectWriter,
        into out: inout [UInt8]
    ) {
        var forwarded: [Range<Int>] = []
        var wroteClient = false
        for (range, isList) in values {
            if isList || wroteClient {
                forwarded.append(range)
            } else {
                object.key("client", into: &out)
                writeAnonymizedString(b, range, escaping: escaping, client: true, into: &out)
                wroteClient = true
            }
        }
        writeForwardedFor(b, forwarded, escaping: escaping, object: &object, into: &out)
    }

    /// `"forwarded_for": [...]`: every element of every list, anonymized; `-` and empty lists are left out.
    private func writeForwardedFor(
        _ b: UnsafeBufferPointer<UInt8>,
        _ lists: [Range<Int>],
        escaping: JSONText.SourceEscaping,
        object: inout JSONObjectWriter,
        into out: inout [UInt8]
    ) {
        var wroteAny = false
        for list in lists {
            AddressList.forEachElement(b, list.lowerBound, list.upperBound) { _, value in
                if Self.isPlaceholder(b, value.lowerBound, value.upperBound) && value.count <= 1 { return }
                if wroteAny {
                    out.append(UInt8(ascii: ","))
                } else {
                    object.key("forwarded_for", into: &out)
                    out.append(UInt8(ascii: "["))
                    wroteAny = true
                }
                writeAnonymizedString(b, value, escaping: escaping, into: &out)
            }
        }
        if wroteAny { out.append(UInt8(ascii: "]")) }
    }

    /// `method`, `path` and `protocol` from a request line; an unusual request line (a TLS handshake, `-`) is
    /// kept whole as `request`.
    private func writeRequest(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        escaping: JSONText.SourceEscaping,
        object: inout JSONObjectWriter,
        into out: inout [UInt8]
    ) {
        guard let firstSpace = range.firstIndex(where: { b[$0] == 0x20 }),
            let lastSpace = range.lastIndex(where: { b[$0] == 0x20 }), lastSpace > firstSpace,
            JSONLineFormat.equals(b, (lastSpace + 1)..<min(lastSpace + 6, range.upperBound), Array("HTTP/".utf8))
        else {
            if Self.isPlaceholder(b, range.lowerBound, range.upperBound) && range.count <= 1 { return }
            object.key("request", into: &out)
            JSONText.writeString(b, range, escaping: escaping, into: &out)
            return
        }
        object.key("method", into: &out)
        JSONText.writeString(b, range.lowerBound..<firstSpace, escaping: escaping, into: &out)
        object.key("path", into: &out)
        JSONText.writeString(b, (firstSpace + 1)..<lastSpace, escaping: escaping, into: &out)
        object.key("protocol", into: &out)
        JSONText.writeString(b, (lastSpace + 1)..<range.upperBound, escaping: escaping, into: &out)
    }

    private func writeNumberField(
        _ name: StaticString,
        _ range: Range<Int>?,
        _ b: UnsafeBufferPointer<UInt8>,
        object: inout JSONObjectWriter,
        into out: inout [UInt8]
    ) {
        // Digits only (a JSON number or a string of digits, as nginx writes them): anything else is left out, since
        // the digits of `"192.168.100.200"` would spell the address.
        guard let range, !range.isEmpty, range.allSatisfy({ b[$0] >= 0x30 && b[$0] <= 0x39 }) else { return }
        object.key(name, into: &out)
        JSONText.writeNumber(b, range, into: &out)
    }

    /// A string field, left out when absent, empty or `-`.
    private func writeOptionalString(
        _ name: StaticString,
        _ range: Range<Int>?,
        _ b: UnsafeBufferPointer<UInt8>,
        escaping: JSONText.SourceEscaping,
        object: inout JSONObjectWriter,
        into out: inout [UInt8]
    ) {
        guard let range, !(range.count <= 1 && Self.isPlaceholder(b, range.lowerBound, range.upperBound)) else {
            return
        }
        object.key(name, into: &out)
        JSONText.writeString(b, range, escaping: escaping, into: &out)
    }
}
