extension LineProcessor {
    /// Whether a matched text line holds an objected address in an address field (client, forwarded-for list,
    /// `Forwarded` header).
    @inline(never)
    func textLineIsObjected(_ b: UnsafeBufferPointer<UInt8>, _ objections: ObjectionFilter) -> Bool {
        for (variable, field, through) in rewriteList {
            switch field {
            case .clientAddress, .forwardedFor, .forwardedHeader:
                if holdsObjected(b, fieldMatch.start(variable), fieldMatch.end(through), objections) { return true }
            default: continue
            }
        }
        return false
    }

    /// Whether any address in `start..<end` is objected to (a whole JSON or unparsable line: wherever it stands).
    @inline(never)
    func holdsObjected(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ objections: ObjectionFilter) -> Bool
    {
        var found = false
        FallbackScanner.forEachAddressDecoded(b, from: start, to: end, decoding: percentDecoding, includingNoHost: true)
        {
            field in
            if !found && isObjected(field.address, objections) { found = true }
        }
        return found
    }

    /// One keyed hash per distinct address, then a lookup.
    private func isObjected(_ address: IPAddress, _ objections: ObjectionFilter) -> Bool {
        let canonical = address.canonical
        if let known = objectionVerdicts[canonical] { return known }
        let verdict = objections.contains(canonical)
        if objectionVerdicts.count >= 1 << 16 { objectionVerdicts.removeAll(keepingCapacity: true) }
        objectionVerdicts[canonical] = verdict
        return verdict
    }
}
