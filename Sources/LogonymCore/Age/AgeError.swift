/// Why an age file, key or identity could not be read: a code and a sentence. The message never holds key
/// material or plaintext.
public struct AgeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is (the age test kit's kinds, plus key parsing).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case header, headerMAC, noMatch, payload, truncated, invalidKey
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The header is malformed or breaks a rule of the specification (the test kit's "header failure").
        public static let header = Code(.header)
        /// The header's MAC does not match the file key found ("HMAC failure"): the header was changed.
        public static let headerMAC = Code(.headerMAC)
        /// No stanza could be opened with the identities given ("no match").
        public static let noMatch = Code(.noMatch)
        /// A payload chunk failed authentication or the chunk framing is wrong ("payload failure").
        public static let payload = Code(.payload)
        /// The file ends before its final chunk (a payload failure too).
        public static let truncated = Code(.truncated)
        /// An `age1...` recipient or `AGE-SECRET-KEY-1...` identity could not be parsed.
        public static let invalidKey = Code(.invalidKey)

        public var description: String { String(describing: value) }
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence saying what is wrong.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
