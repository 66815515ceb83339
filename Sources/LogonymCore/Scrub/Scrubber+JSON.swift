/// JSON-looking values (GraphQL `variables`, `where` filters, JSON in base64), walked name by name.
extension Scrubber {
    /// A JSON-looking value: each `"name": value` whose name is denied loses its value, each string value a
    /// detector matches is replaced (quotes kept).
    func collectJSON(_ v: UnsafeBufferPointer<UInt8>, depth: Int) {
        var i = 0
        var pendingVerdict: NameRules.Verdict? = nil
        while i < v.count {
            let c = v[i]
            if c == UInt8(ascii: "\"") {
                var end = i + 1
                while end < v.count && v[end] != UInt8(ascii: "\"") {
                    end += v[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                let string = (i + 1)..<min(end, v.count)
                var next = end + 1
                while next < v.count && v[next] == 0x20 { next += 1 }
                if next < v.count && v[next] == UInt8(ascii: ":") {
                    pendingVerdict = names.verdict(v, string)
                    i = next + 1
                    continue
                }
                collectJSONValue(v, string, verdict: pendingVerdict, depth: depth)
                pendingVerdict = nil
                i = end + 1
                continue
            }
            if pendingVerdict != nil, c != 0x20, c != UInt8(ascii: "{"), c != UInt8(ascii: "[") {
                // A bare value: number, true, false, null.
                var end = i
                while end < v.count && !",}] ".utf8.contains(v[end]) { end += 1 }
                collectJSONValue(v, i..<end, verdict: pendingVerdict, depth: depth)
                pendingVerdict = nil
                i = end
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { pendingVerdict = nil }
            i += 1
        }
    }

    private func collectJSONValue(
        _ v: UnsafeBufferPointer<UInt8>,
        _ value: Range<Int>,
        verdict: NameRules.Verdict?,
        depth: Int
    ) {
        guard !value.isEmpty else { return }
        switch (mode, verdict) {
        case (.denylist, .always(let counter)?):
            replace(value, counter: counter)
        case (.denylist, .ifTokenShaped(let counter)?)
        where ValueDetectors.isTokenShaped(UnsafeBufferPointer(rebasing: v[value])):
            replace(value, counter: counter)
        default:
            collectValue(v, value, depth: depth, place: .none)
        }
    }
}
