/// An error from a codec backend: what went wrong (``Code``), in which file and at which byte,
/// and why. `Code` is a struct so that codes can be added without breaking callers.
public struct CodecError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; the CLI maps these to exit codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The input is damaged: bad checksum, truncated, inconsistent.
        public static let corrupt = Code("corrupt data")
        /// The input is valid but uses something this codec cannot store (e.g. float samples in FLAC).
        public static let unsupported = Code("unsupported input")
        /// A size or count beyond what this implementation accepts.
        public static let limitExceeded = Code("limit exceeded")
        /// The input is not audio this codec or libsndfile recognises.
        public static let unrecognized = Code("unrecognized input")
        /// The file does not exist or cannot be opened.
        public static let noInput = Code("no input")
        /// A bad argument from the caller (e.g. a sample range outside the recording).
        public static let invalidArgument = Code("invalid argument")
        /// The store could not be read or written.
        public static let storage = Code("storage error")
        /// The recording in the store is missing something a codec needs.
        public static let incompleteRecording = Code("incomplete recording")
        /// A C library failed in a way that is not about the input.
        public static let library = Code("library failure")
    }

    public let code: Code
    public let message: String
    /// The codec that raised it, when one did.
    public let codec: CodecID?
    /// The input file or store path concerned.
    public let file: String?
    /// Where in the file or blob, when known.
    public let byteOffset: Int64?
    public let underlying: (any Error & Sendable)?

    public init(
        _ code: Code, _ message: String, codec: CodecID? = nil, file: String? = nil, byteOffset: Int64? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.codec = codec
        self.file = file
        self.byteOffset = byteOffset
        self.underlying = underlying
    }

    public var description: String {
        var text = ""
        if let file { text += "\(file): " }
        text += message
        if let byteOffset { text += " (at byte \(byteOffset))" }
        if let codec { text += " [\(codec)]" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
