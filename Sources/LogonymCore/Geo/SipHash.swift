/// SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit hash: distinct clients are counted over these, never
/// over raw addresses.
public struct SipHash: Sendable {
    let k0: UInt64
    let k1: UInt64

    public init(key: (UInt64, UInt64)) {
        k0 = key.0
        k1 = key.1
    }

    /// A key from the operating system's random source.
    public static func randomKey() -> (UInt64, UInt64) {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }

    /// The hash of an address's canonical value (family and bits), with no allocation (it runs per line).
    public func hash(_ address: IPAddress) -> UInt64 {
        var state = State(k0: k0, k1: k1)
        switch address.canonical {
        case .v4(let value):
            state.absorb(4)
            state.absorb(UInt64(value))
            return state.finish(words: 2)
        case .v6(let hi, let lo):
            state.absorb(6)
            state.absorb(hi)
            state.absorb(lo)
            return state.finish(words: 3)
        }
    }

    /// SipHash-2-4 of the little-endian bytes of `words`.
    public func hash(words: [UInt64]) -> UInt64 {
        var state = State(k0: k0, k1: k1)
        for m in words { state.absorb(m) }
        return state.finish(words: words.count)
    }

    /// The four state words, fed one 64-bit message word at a time.
    struct State {
        var v0: UInt64
        var v1: UInt64
        var v2: UInt64
        var v3: UInt64

        @inline(__always)
        init(k0: UInt64, k1: UInt64) {
            v0 = 0x736f_6d65_7073_6575 ^ k0
            v1 = 0x646f_7261_6e64_6f6d ^ k1
            v2 = 0x6c79_6765_6e65_7261 ^ k0
            v3 = 0x7465_6462_7974_6573 ^ k1
        }

        @inline(__always)
        mutating func round() {
            v0 &+= v1
            v1 = v1.rotatedLeft(13) ^ v0
            v0 = v0.rotatedLeft(32)
            v2 &+= v3
            v3 = v3.rotatedLeft(16) ^ v2
            v0 &+= v3
            v3 = v3.rotatedLeft(21) ^ v0
            v2 &+= v1
            v1 = v1.rotatedLeft(17) ^ v2
            v2 = v2.rotatedLeft(32)
        }

        @inline(__always)
        mutating func absorb(_ m: UInt64) {
            v3 ^= m
            round()
            round()
            v0 ^= m
        }

        @inline(__always)
        mutating func finish(words: Int) -> UInt64 {
            let last = UInt64(words * 8) << 56
            v3 ^= last
            round()
            round()
            v0 ^= last
            v2 ^= 0xFF
            for _ in 0..<4 { round() }
            return v0 ^ v1 ^ v2 ^ v3
        }
    }
}

extension UInt64 {
    @inline(__always)
    func rotatedLeft(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}
