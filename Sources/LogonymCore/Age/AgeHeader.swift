/// An age v1 header: the recipient stanzas and the MAC (age-encryption.org/v1, "Header").
struct AgeHeader {
    /// One recipient stanza: its arguments (the first names its type) and its decoded body.
    struct Stanza {
        var arguments: [[UInt8]]
        var body: [UInt8]
    }

    static let versionLine = Array("age-encryption.org/v1\n".utf8)
    /// A header longer than this is refused (age's own headers are a few hundred bytes a recipient).
    static let maximumLength = 1 << 20

    var stanzas: [Stanza]
    /// The MAC as written (32 bytes).
    var mac: [UInt8]
    /// How many bytes the MAC covers: everything up to and including the final line's `---`.
    var macCoverage: Int
    /// The header's length in bytes, up to the end of the MAC line.
    var length: Int

    /// Parses a header at the start of `bytes`; `nil` when more bytes are needed to finish it (and `atEnd` is
    /// false). Throws ``AgeError/Code/header`` for anything the specification does not allow.
    static func parse(_ bytes: ArraySlice<UInt8>, atEnd: Bool) throws(AgeError) -> AgeHeader? {
        var position = bytes.startIndex
        func line() throws(AgeError) -> ArraySlice<UInt8>? {
            guard let newline = bytes[position...].firstIndex(of: 0x0A) else {
                if atEnd { throw AgeError(.header, "the file ends inside the age header") }
                if bytes.count > maximumLength { throw AgeError(.header, "the age header is too long") }
                return nil
            }
            defer { position = newline + 1 }
            if newline - bytes.startIndex > maximumLength { throw AgeError(.header, "the age header is too long") }
            return bytes[position..<newline]
        }
        // The version line, compared as soon as enough bytes are there (a file of another kind fails at once).
        let prefix = bytes.prefix(versionLine.count)
        guard prefix.elementsEqual(versionLine.prefix(prefix.count)) else {
            throw AgeError(.header, "not an age v1 file (its first line is not 'age-encryption.org/v1')")
        }
        guard bytes.count >= versionLine.count else {
            if atEnd { throw AgeError(.header, "not an age v1 file (too short)") }
            return nil
        }
        position += versionLine.count
        var stanzas: [Stanza] = []
        while true {
            let start = position
            guard let current = try line() else { return nil }
            if current.starts(with: Array("---".utf8)) {
                guard !stanzas.isEmpty else { throw AgeError(.header, "the age header has no recipient stanza") }
                let rest = current.dropFirst(3)
                guard rest.first == 0x20, let mac = AgeBase64.decode(rest.dropFirst()), mac.count == 32 else {
                    throw AgeError(.header, "the age header's MAC line is malformed")
                }
                return AgeHeader(
                    stanzas: stanzas,
                    mac: mac,
                    macCoverage: start + 3 - bytes.startIndex,
                    length: position - bytes.startIndex
                )
            }
            guard current.starts(with: Array("-> ".utf8)) else {
                throw AgeError(.header, "the age header has a line that is neither a stanza nor its MAC")
            }
            var arguments: [[UInt8]] = []
            for argument in current.dropFirst(3).split(separator: 0x20, omittingEmptySubsequences: false) {
                guard !argument.isEmpty, argument.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                    throw AgeError(.header, "a stanza of the age header has an empty or invalid argument")
                }
                arguments.append(Array(argument))
            }
            var text: [UInt8] = []
            while true {
                guard let bodyLine = try line() else { return nil }
                guard bodyLine.count <= 64, bodyLine.allSatisfy(AgeBase64.isAlphabet) else {
                    throw AgeError(.header, "a stanza body line of the age header is malformed")
                }
                text.append(contentsOf: bodyLine)
                if bodyLine.count < 64 { break }
            }
            guard let body = AgeBase64.decode(text) else {
                throw AgeError(.header, "a stanza body of the age header is not canonical base64")
            }
            stanzas.append(Stanza(arguments: arguments, body: body))
        }
    }

    /// The header text of `stanzas` up to and including `---` (what the MAC covers).
    static func encode(_ stanzas: [Stanza]) -> [UInt8] {
        var out = versionLine
        for stanza in stanzas {
            out += Array("->".utf8)
            for argument in stanza.arguments { out += [0x20] + argument }
            out.append(0x0A)
            let text = AgeBase64.encode(stanza.body)
            var index = 0
            repeat {
                let end = min(index + 64, text.count)
                out += text[index..<end]
                out.append(0x0A)
                index += 64
            } while index <= text.count
        }
        out += Array("---".utf8)
        return out
    }
}
