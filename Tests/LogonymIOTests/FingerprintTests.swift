import Foundation
import LogonymCore
import LogonymTestSupport
import Testing

@testable import LogonymIO

/// File fingerprints and tail hashes give nothing personal back (issue 14): whoever holds the state database (and
/// its key) and the pseudonymized output knows every byte of the hashed lines but the addresses and what the scrub
/// stage removed, so the hashes must be the same whatever those were, wherever the hashed bytes start and end. And
/// they must still tell files apart.
struct FingerprintTests {
    /// Lines in the shapes servers document (nginx/Apache combined and vhost_combined, Caddy's JSON, Traefik's CLF,
    /// IIS W3C, HAProxy's httplog, RFC 7239 `Forwarded`), with addresses (`{A}`), e-mail addresses (`{E}`) and
    /// long numbers (`{N}`) where they turn up in real logs.
    static let templates = [
        #"{A} - - [30/Nov/2026:12:{T} +0000] "GET /shop/item?id=12&ref={A} HTTP/1.1" 200 5316 "https://example.com/?q=x" "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0""#,
        #"www.example.com:443 {A} - - [30/Nov/2026:12:{T} +0000] "POST /login?email={E} HTTP/2.0" 302 0 "-" "curl/8.5.0""#,
        #"{"level":"info","ts":1764{E6}.{F},"logger":"http.log.access","request":{"remote_ip":"{A}","remote_port":"51234","client_ip":"{A}","uri":"/u/{E}/p"},"status":200}"#,
        #"{A} - - [30/Nov/2026:12:{T} +0000] "GET /api/v1/orders/{N} HTTP/1.1" 200 17 "-" "Go-http-client/1.1" 42 "web@docker" "http://{A}:8080" 3ms"#,
        #"2026-11-30 12:{T} 10.0.0.5 GET /default.htm tel={N} 443 - {A} Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15"#,
        #"Nov 30 12:{T} lb haproxy[123]: {A}:51234 [30/Nov/2026:12:{T}.123] fe be/srv1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 "GET /x HTTP/1.1""#,
        #"10.1.2.3 - - [30/Nov/2026:12:{T} +0000] "GET / HTTP/1.1" 200 1 "-" "ua" "{A}, 203.0.113.9" "for=\"[{A}]:4711\";proto=https""#,
        // Escaped: what the scrub stage decodes before it looks (percent-encoding, nginx's \x, JSON's \u).
        #"{A} - - [30/Nov/2026:12:{T} +0000] "GET /unblock/{%A} HTTP/1.1" 200 1 "-" "ua" "for=\x22{A}\x22""#,
        #"{"ts":1764{E6}.{F},"request":{"uri":"/u/{\uE}/x","remote_ip":"{A}","referer":"https://a.example/?m={%E}"}}"#,
        // One line longer than the bytes before an offset that are kept, its personal values near its end.
        #"{A} - - [30/Nov/2026:12:{T} +0000] "GET /search?q={LONG}&email={E}&token={N}&ip={%A} HTTP/1.1" 200 1 "-" "ua""#,
    ]

    /// An address in one of the forms logs hold it in.
    static func address(_ random: inout SplitMix64) -> String {
        let v4 = (0..<4).map { _ in String(random.int(0...255)) }.joined(separator: ".")
        let v6 = (0..<random.int(3...8)).map { _ in String(random.int(0...0xFFFF), radix: 16) }
        let compressed =
            v6.count < 8
            ? v6.prefix(2).joined(separator: ":") + "::" + v6.dropFirst(2).joined(separator: ":")
            : v6.joined(separator: ":")
        return random.pick([v4, v4 + ":\(random.int(1...65535))", compressed, "::ffff:" + v4, "2001:db8::" + v6[0]])
    }

    static func email(_ random: inout SplitMix64) -> String {
        let name = (0..<random.int(1...12)).map { _ in random.pick(Array("abcdefghij.")) }
        return String(name) + random.pick(["@example.com", "%40mail.example.org", "@x.io"])
    }

    /// A log of `count` lines from the templates, with fresh personal values drawn from `values`, and the time and
    /// template choices drawn from `shape` (the same for both files of a pair).
    static func file(lines count: Int, shape: UInt64, values: UInt64, from shapes: [String] = templates) -> [UInt8] {
        var form = SplitMix64(seed: shape, stream: 1, index: 0)
        var personal = SplitMix64(seed: values, stream: 2, index: 0)
        var text = ""
        for _ in 0..<count {
            var line = form.pick(shapes)
            line = line.replacingOccurrences(
                of: "{T}",
                with: String(format: "%02d:%02d", form.int(0...59), form.int(0...59))
            )
            line = line.replacingOccurrences(of: "{E6}", with: String(form.int(100_000...999_999)))
            line = line.replacingOccurrences(of: "{F}", with: String(form.int(0...999_999)))
            line = line.replacingOccurrences(of: "{LONG}", with: String(repeating: "word+", count: 1000))
            while let range = line.range(of: "{%A}") {
                let plain = address(&personal)
                line.replaceSubrange(
                    range,
                    with: plain.replacingOccurrences(of: ".", with: "%2E").replacingOccurrences(of: ":", with: "%3A")
                )
            }
            while let range = line.range(of: "{%E}") {
                line.replaceSubrange(range, with: email(&personal).replacingOccurrences(of: "@", with: "%2540"))
            }
            while let range = line.range(of: "{\\uE}") {
                line.replaceSubrange(range, with: email(&personal).replacingOccurrences(of: "@", with: "\\u0040"))
            }
            while let range = line.range(of: "{A}") { line.replaceSubrange(range, with: address(&personal)) }
            while let range = line.range(of: "{E}") { line.replaceSubrange(range, with: email(&personal)) }
            while let range = line.range(of: "{N}") {
                line.replaceSubrange(
                    range,
                    with: String((0..<personal.int(9...19)).map { _ in personal.pick(Array("0123456789")) })
                )
            }
            text += line + "\n"
        }
        return Array(text.utf8)
    }

    static let fingerprints = Fingerprints(key: Array(0..<32))

    /// The ends of the lines of `bytes`, after each newline.
    static func lineEnds(_ bytes: [UInt8]) -> [Int] {
        bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }
    }

    @Test func headsAndTailsAreTheSameWhateverTheAddressesAndScrubbedValues() {
        for index in 0..<150 {
            let count = 1 + index % 40
            let a = Self.file(lines: count, shape: UInt64(index), values: UInt64(index) &* 7 + 1)
            let b = Self.file(lines: count, shape: UInt64(index), values: UInt64(index) &* 7 + 2)
            let endsA = Self.lineEnds(a)
            let endsB = Self.lineEnds(b)
            // The head of the file as it grows, line by line, and once it is longer than a head is read.
            for (n, (endA, endB)) in zip(endsA, endsB).enumerated() {
                let headA = Self.fingerprints.fingerprint(ofRaw: a[..<min(endA, Fingerprints.headReadLength)])
                let headB = Self.fingerprints.fingerprint(ofRaw: b[..<min(endB, Fingerprints.headReadLength)])
                #expect(headA == headB, "file \(index), head after \(n + 1) lines")
                // The tail hash at each committed offset.
                let tailA = Self.fingerprints.tailHash(a[max(0, endA - Fingerprints.tailLength)..<endA])
                let tailB = Self.fingerprints.tailHash(b[max(0, endB - Fingerprints.tailLength)..<endB])
                #expect(tailA == tailB, "file \(index), tail after \(n + 1) lines")
            }
        }
    }

    /// The same files hashed as before issue 14 (scheme 1, raw bytes): the heads differ, which is what the search
    /// over candidates used; this is what the test above would see if the masking missed something.
    @Test func rawHashesOfTheSameFilesDiffer() {
        let a = Self.file(lines: 10, shape: 1, values: 1)
        let b = Self.file(lines: 10, shape: 1, values: 2)
        let length = Fingerprints.legacyHeadLength
        #expect(
            Self.fingerprints.fingerprint(ofRaw: a[...], length: length, scheme: 1)
                != Self.fingerprints.fingerprint(ofRaw: b[...], length: length, scheme: 1)
        )
    }

    @Test func filesOfOtherLinesHaveOtherHeadsAndTails() {
        var heads = Set<[UInt8]>()
        var tails = Set<[UInt8]>()
        for index in 0..<200 {
            // (Not the 5 KiB line: its last 4 KiB are all one line, whose masked form is its last few words.)
            let file = Self.file(
                lines: 20,
                shape: UInt64(1000 + index),
                values: 5,
                from: Array(Self.templates.dropLast())
            )
            heads.insert(Self.fingerprints.fingerprint(ofRaw: file.prefix(Fingerprints.headReadLength)).hash)
            tails.insert(Self.fingerprints.tailHash(file.suffix(Fingerprints.tailLength)))
        }
        #expect(heads.count == 200)
        #expect(tails.count == 200)
    }

    @Test func aHeadIsCountedInMaskedBytesAndKeepsOnlyWholeLines() {
        let file = Self.file(lines: 3, shape: 9, values: 9)
        let ends = Self.lineEnds(file)
        let whole = Self.fingerprints.fingerprint(ofRaw: file[..<ends[1]])
        let cut = Self.fingerprints.fingerprint(ofRaw: file[..<(ends[1] + 20)])
        #expect(whole == cut, "an unfinished line is not part of a followed file's head")
        #expect(whole.length < ends[1], "masked spans count one byte")
        #expect(Self.fingerprints.fingerprint(ofRaw: file[..<ends[1]], length: whole.length) == whole.hash)
        #expect(Self.fingerprints.fingerprint(ofRaw: file[..<ends[0]], length: whole.length).isEmpty)
    }
}
