import LogonymCore
import Testing

struct CleanTextCacheTests {
    /// Chrome's user agents differ only in their version, between the words the cache hashes: they share a set.
    static func agent(_ version: Int) -> [UInt8] {
        Array(
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(version).0.0.0 "
                + "Safari/537.36").utf8
        )
    }

    func contains(_ cache: CleanTextCache, _ value: [UInt8]) -> Bool {
        value.withUnsafeBufferPointer { cache.contains($0.baseAddress!, 0, $0.count) }
    }

    func insert(_ cache: CleanTextCache, _ value: [UInt8]) {
        value.withUnsafeBufferPointer { cache.insert($0.baseAddress!, 0, $0.count) }
    }

    @Test func valuesThatDifferOnlyBetweenTheHashedWordsStayCachedSideBySide() {
        let cache = CleanTextCache()
        defer { cache.deallocate() }
        let agents = (125...129).map(Self.agent)
        // Two alternating agents used to take each other's slot on every line, so each line was screened again.
        for _ in 0..<3 {
            for value in agents.prefix(4) where !contains(cache, value) { insert(cache, value) }
        }
        for value in agents.prefix(4) { #expect(contains(cache, value)) }
        // A fifth takes a way in turn; the cache never claims a value it was not given.
        insert(cache, agents[4])
        #expect(contains(cache, agents[4]))
        #expect(agents.prefix(4).filter { contains(cache, $0) }.count == 3)
        #expect(!contains(cache, Self.agent(124)))
        #expect(!contains(cache, Array(Self.agent(125).dropLast())))
    }

    @Test func emptyAndOverlongValuesAreNeverCached() {
        let cache = CleanTextCache()
        defer { cache.deallocate() }
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 600)
        insert(cache, long)
        #expect(!contains(cache, long))
        let empty: [UInt8] = [0]
        empty.withUnsafeBufferPointer { cache.insert($0.baseAddress!, 0, 0) }
        #expect(!empty.withUnsafeBufferPointer { cache.contains($0.baseAddress!, 0, 0) })
    }
}
