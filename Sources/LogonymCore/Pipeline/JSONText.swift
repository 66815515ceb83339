/// Writing JSON string values from log bytes, which may hold any byte.
public enum JSONText: Sendable {
    /// How the source bytes are escaped already.
    public enum SourceEscaping: Sendable {
        /// Raw bytes.
        case none
        /// Apache / nginx quoted fields: `\"` and `\\` stand for `"` and `\`; `\xHH` is kept as text.
        case logQuoted
        /// The contents of a JSON string: copied as they are, only invalid UTF-8 and raw control bytes fixed.
        case json
    }

    /// Appends `"…"` holding the bytes as a JSON string. Valid UTF-8 passes through; an invalid byte becomes
    /// `\u00XX` (its Latin-1 reading), so the output is always valid JSON in valid UTF-8.
    public static func writeString(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        escaping: SourceEscaping,
        into out: inout [UInt8]
    ) {
        out.append(UInt8(ascii: "\""))
        writeStringContents(b, range, escaping: escaping, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// The same, without the surrounding quotes (for a string written in pieces).
    public static func writeStringContents(
        _ b: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        escaping: SourceEscaping,
        into out: inout [UInt8]
    ) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\\") && i + 1 < end {
                let next = b[i + 1]
                switch escaping {
                case .json:
                    out.append(c)
                    out.append(next)
                    i += 2
                    continue
                case .logQuoted where next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(next)
                    i += 2
                    continue
                default:
                    break
                }
            }
            if c < 0x80 {
                writeASCII(c, into: &out)
                i += 1
                continue
            }
            let length = utf8SequenceLength(b, i, end)
            if length > 0 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<(i + length)]))
                i += length
            } else {
                writeUnicodeEscape(UInt16(c), into: &out)
                i += 1
            }
        }
    }

    /// The bytes a JSON string's contents stand for (`\"`, `\\`, `\/`, `\b\f\n\r\t`, `\uXXXX` with surrogate pairs,
    /// as UTF-8); nil when an escape is malformed.
    public static func unescape(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= range.upperBound else { return nil }
            var value: UInt32 = 0
            for k in at..<(at + 4) {
                guard let digit = IPAddress.hexValue(b[k]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while i < range.upperBound {
            let c = b[i]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < range.upperBound else { return nil }
            switch b[i + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b[i + 1])
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i + 2) else { return nil }
                i += 6
                if (0xD800..<0xDC00).contains(scalar), i + 1 < range.upperBound, b[i] == UInt8(ascii: "\\"),
                    b[i + 1] == UInt8(ascii: "u"), let low = hex4(i + 2), (0xDC00..<0xE000).contains(low)
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
                continue
            default: return nil
            }
            i += 2
        }
        return out
    }

    /// Appends a Swift string as a JSON string.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            writeString(UnsafeBufferPointer(buffer), 0..<buffer.count, escaping: .none, into: &out)
        }
    }

    private static func writeASCII(_ c: UInt8, into out: inout [UInt8]) {
        switch c {
        case UInt8(ascii: "\""):
            out.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"):
            out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A:
            out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D:
            out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09:
            out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20, 0x7F:
            writeUnicodeEscape(UInt16(c), into: &out)
        default:
            out.append(c)
        }
    }

    private static func writeUnicodeEscape(_ value: UInt16, into out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hex.utf8Start[Int((value >> UInt16(shift)) & 0xF)])
        }
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or 0 if the bytes there are not one.
    static func utf8SequenceLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let c = b[i]
        let length: Int
        let lowest: UInt32
        switch c {
        case 0xC2...0xDF:
            length = 2
            lowest = 0x80
        case 0xE0...0xEF:
            length = 3
            lowest = 0x800
        case 0xF0...0xF4:
            length = 4
            lowest = 0x10000
        default: return 0
        }
        guard i + length <= end else { return 0 }
        var scalar = UInt32(c) & (0xFF >> UInt32(length + 1))
        for k in 1..<length {
            let d = b[i + k]
            guard d & 0xC0 == 0x80 else { return 0 }
            scalar = scalar << 6 | UInt32(d & 0x3F)
        }
        guard scalar >= lowest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return 0 }
        return length
    }

    /// Appends a decimal number from digits in the source, or `0` for `-`.
    static func writeNumber(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [UInt8]) {
        var wroteDigit = false
        var leading = true
        for i in range where b[i] >= 0x30 && b[i] <= 0x39 {
            if leading && b[i] == 0x30 && i + 1 < range.upperBound { continue }
            leading = false
            out.append(b[i])
            wroteDigit = true
        }
        if !wroteDigit { out.append(0x30) }
    }
}
