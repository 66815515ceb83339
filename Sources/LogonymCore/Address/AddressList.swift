/// A comma-separated list of addresses, as forwarded-for fields hold them (`203.0.113.7, 10.0.0.1`).
enum AddressList {
    /// Calls `body` for each element of the list in `b[start..<end]`, in order, with the element's range (up to its
    /// comma) and its value's range (without the blanks around it). An empty list has one empty element.
    @inline(__always)
    static func forEachElement(
        _ b: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ body: (_ element: Range<Int>, _ value: Range<Int>) -> Void
    ) {
        var elementStart = start
        while elementStart <= end {
            var elementEnd = elementStart
            while elementEnd < end && b[elementEnd] != UInt8(ascii: ",") { elementEnd &+= 1 }
            var s = elementStart
            var e = elementEnd
            while s < e && b[s] == 0x20 { s &+= 1 }
            while e > s && b[e - 1] == 0x20 { e &-= 1 }
            body(Range(uncheckedBounds: (elementStart, elementEnd)), Range(uncheckedBounds: (s, e)))
            elementStart = elementEnd &+ 1
        }
    }
}
