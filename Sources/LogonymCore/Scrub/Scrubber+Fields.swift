extension Scrubber {
    // MARK: Remote user and user agent

    /// Appends the remote user as configured: kept, a keyed token of the window's anonymizer (`u-` and 16 hex
    /// digits), or `-`. An empty user (`-`) stays as it is.
    func writeRemoteUser(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        anonymizer: Anonymizer?,
        into out: inout [UInt8]
    ) {
        switch settings.remoteUser {
        case _ where Self.isEmptyField(b, range), .keep:
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
        case .drop:
            out.append(UInt8(ascii: "-"))
            count(Self.remoteUserCounter)
        case .hash:
            if let anonymizer {
                anonymizer.writeUserToken(UnsafeBufferPointer(rebasing: b[range]), into: &out)
            } else {
                out.append(UInt8(ascii: "-"))
            }
            count(Self.remoteUserCounter)
        }
    }

    /// Appends the user agent as configured: kept, or its browser family, major version and OS family.
    func writeUserAgent(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into out: inout [UInt8]
    ) {
        guard settings.userAgent == .family, !Self.isEmptyField(b, range) else {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
            return
        }
        count(Self.userAgentCounter)
        // A few hundred distinct agents make most of a log: the cache saves describing each again.
        let base = b.baseAddress!
        let hash = ScrubbedURLCache.hash(base, range.lowerBound, range.upperBound)
        if agentCache.lookup(base, range.lowerBound, range.upperBound, hash: hash, into: &out, count: { _ in }) {
            return
        }
        let family = UserAgentFamily.describe(Array(UnsafeBufferPointer(rebasing: b[range])))
        out.append(contentsOf: family)
        family.withUnsafeBufferPointer { family in
            agentCache.store(base, range.lowerBound, range.upperBound, hash: hash, output: family, counts: [])
        }
    }
}
