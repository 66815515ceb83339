import LogonymCore
import Testing

struct SecureRandomTests {
    /// Every length is filled to its end (the last word cut short too), never repeated, and every byte value turns
    /// up: a fill that left zeros, copied one word over and over, or kept a byte's high bits would fail.
    @Test(arguments: [1, 7, 8, 9, 16, 31, 32, 33])
    func bytesFillEveryLengthWithFreshValues(_ count: Int) {
        let first = SecureRandom.bytes(count)
        let second = SecureRandom.bytes(count)
        #expect(first.count == count && second.count == count)
        #expect(first != second || count == 1)
        #expect(SecureRandom.hex(count).count == 2 * count)
    }

    @Test func theBytesCoverEveryValueAndTheTailOfTheLastWord() {
        var seen = Set<UInt8>()
        var tails = Set<UInt8>()
        for _ in 0..<4096 {
            let bytes = SecureRandom.bytes(13)
            seen.formUnion(bytes)
            tails.insert(bytes[12])
        }
        #expect(seen.count == 256)
        #expect(tails.count > 200)
    }
}
