import Foundation

/// The variable's value (decimal, or hex after `0x`; `_` allowed), `fallback` when it is not set, `nil` when it is
/// set to something else.
public func environmentNumber(_ name: String, default fallback: UInt64) -> UInt64? {
    guard let text = ProcessInfo.processInfo.environment[name]?.replacingOccurrences(of: "_", with: "") else {
        return fallback
    }
    if text.lowercased().hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
    return UInt64(text)
}

/// SplitMix64: small, fast and the same on every platform and toolchain (the helpers below avoid the standard
/// library's `random(in:using:)`, whose algorithm may change).
public struct SplitMix64: Sendable {
    private var state: UInt64

    /// The generator of case `index` of a test's `stream`.
    public init(seed: UInt64, stream: UInt64, index: Int) {
        state = seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<count`.
    public mutating func below(_ count: Int) -> Int { Int(next().multipliedFullWidth(by: UInt64(count)).high) }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, below(i + 1)) }
    }
}
