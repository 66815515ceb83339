extension LineProcessor {
    /// Appends the anonymized form of a value that should hold one address.
    @inline(__always)
    func writeAddressValue(
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8],
        client: Bool = false
    ) {
        // An address seen lately (most are: a client's requests come in runs) is written as it was then.
        if let base = b.baseAddress, let slot = pseudonymTexts.lookup(base, start, end) {
            let address = PseudonymTextCache.address(slot)
            if client {
                if let geo { geo.tag(address) }
                tallies.countClient(address)
            }
            out.append(contentsOf: PseudonymTextCache.pseudonym(slot))
            tally.pointee.countAddress(address, unchanged: PseudonymTextCache.isUnchanged(slot))
        } else if let field = AddressField.parse(b, from: start, to: end) {
            if client {
                if let geo { geo.tag(field.address) }
                tallies.countClient(field.address)
            }
            // What stands around the address (brackets, a port, a zone id) is scanned too: `fe80::1%81.2.69.7`.
            // (Most addresses stand alone in their field: checked here, where it costs no call.)
            if start != field.range.lowerBound { writeAround(b, start, field.range.lowerBound, into: &out) }
            let written = out.count
            let unchanged = unownedAnonymizer._withUnsafeGuaranteedRef { $0.writePseudonym(of: field, into: &out) }
            if field.range.upperBound != end {
                writeAround(b, field.range.upperBound, end, into: &out)
            } else if start == field.range.lowerBound {
                pseudonymTexts.insert(
                    b.baseAddress!,
                    start,
                    end,
                    address: field.address,
                    unchanged: unchanged,
                    written: out,
                    from: written
                )
            }
            tally.pointee.countAddress(field.address, unchanged: unchanged)
        } else if Self.isPlaceholder(b, start, end) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end]))
        } else {
            anonymizer.writeNonAddress(UnsafeBufferPointer(rebasing: b[start..<end]), into: &out)
            tally.pointee.nonAddressValues &+= 1
        }
    }

    /// Appends the bytes around an address in its field, scanned unless they cannot hold one.
    @inline(never)
    private func writeAround(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into out: inout [UInt8]) {
        if keepsUnscanned(b, s, e, repeating: false) {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[s..<e]))
        } else {
            writeScanned(b, s, e, into: &out)
        }
    }

    /// Appends the anonymized form of a comma-separated list of addresses, keeping separators and blanks; with
    /// `client`, the first element is the client (for geo).
    func writeAddressList(
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        into out: inout [UInt8],
        client: Bool = false
    ) {
        AddressList.forEachElement(b, start, end) { element, value in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[element.lowerBound..<value.lowerBound]))
            if !value.isEmpty {
                let first = client && element.lowerBound == start
                writeAddressValue(b, value.lowerBound, value.upperBound, into: &out, client: first)
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[value.upperBound..<element.upperBound]))
            if element.upperBound < end { out.append(UInt8(ascii: ",")) }
        }
    }

    /// The last `}` of a JSON line, when only blanks follow it.
    static func lastClosingBrace(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        var i = end
        while i > from {
            i -= 1
            switch b[i] {
            case UInt8(ascii: "}"): return i
            case 0x20, 0x09, 0x0D: continue
            default: return nil
            }
        }
        return nil
    }

    /// `-`, `unknown` and the empty value carry no address and are kept.
    static func isPlaceholder(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 0: return true
        case 1: return b[start] == UInt8(ascii: "-")
        case 7: return JSONLineFormat.equals(b, start..<end, Array("unknown".utf8))
        default: return false
        }
    }
}
