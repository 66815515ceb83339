import CZlib
import Foundation
import LogonymCore
import LogonymIO
import LogonymTestSupport
import Testing

/// Gzip headers the reader meets in the wild, read where they fall in the input: RFC 1952's optional header CRC
/// (FHCRC) is valid gzip, which zlib and `gzip -t` accept wherever the member starts.
struct GzipHeaderTests {
    let lines = Array((0..<2000).map { "192.0.2.\($0 % 250) line \($0)\n" }.joined().utf8)

    /// `member` with FHCRC set and the header's CRC-16 (the low half of the CRC-32 of the header bytes) after it.
    private func withHeaderCRC(_ member: [UInt8]) -> [UInt8] {
        var header = Array(member[0..<10])
        header[3] |= 0x02
        let crc = header.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        return header + [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF)] + Array(member[10...])
    }

    /// A member with a header CRC at the start of the file: the reader's first read holds only the two magic bytes,
    /// so the header always arrives in two pieces.
    @Test func aHeaderCRCAtTheStartOfTheFileIsValid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let member = withHeaderCRC(GzipMember.compress(lines, level: 6))
        #expect(zlibInflate(member) == lines, "zlib reads it")
        let path = try directory.write("hcrc.gz", member)
        let (bytes, error) = try readAll(path)
        #expect(error == nil, "\(String(describing: error))")
        let same = bytes == lines
        #expect(same, "decoded \(bytes.count) of \(lines.count) bytes")
    }

    /// A second member with a header CRC whose header straddles the reader's 256 KiB input reads (NUL padding,
    /// which the reader skips between members, puts it there).
    @Test(arguments: [1, 5, 11])
    func aHeaderCRCSplitAcrossReadsIsValid(_ before: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let first = GzipMember.compress(lines, level: 6)
        let second = withHeaderCRC(GzipMember.compress(lines, level: 1))
        // The opener reads 2 bytes, then the inflater reads 256 KiB at a time: a boundary at 2 + 256 KiB.
        let boundary = 2 + 256 * 1024
        let padding = [UInt8](repeating: 0, count: boundary - before - first.count)
        let data = first + padding + second
        #expect(zlibInflate(first) == lines && zlibInflate(second) == lines, "zlib reads both members")
        let path = try directory.write("split.gz", data)
        let (bytes, error) = try readAll(path)
        #expect(error == nil, "\(String(describing: error))")
        let whole = bytes == lines + lines
        #expect(whole, "decoded \(bytes.count) of \(2 * lines.count) bytes")
    }
}
