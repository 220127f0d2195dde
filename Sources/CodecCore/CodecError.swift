import ZarrStore

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
        /// Stored data that must be there is not (a deleted chunk or shard file).
        public static let missingData = Code("missing data")
        /// An output file or folder cannot be created.
        public static let cannotCreate = Code("cannot create")
        /// The storage refused the credentials or the operation (an object store's 403).
        public static let permissionDenied = Code("permission denied")
        /// The system gave no resource it has a limit on (a thread).
        public static let resources = Code("out of system resources")
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
    /// The recording concerned, when an archive knows it.
    public var recording: String?

    public init(
        _ code: Code, _ message: String, codec: CodecID? = nil, file: String? = nil, byteOffset: Int64? = nil,
        underlying: (any Error & Sendable)? = nil, recording: String? = nil
    ) {
        self.code = code
        self.message = message
        self.codec = codec
        self.file = file
        self.byteOffset = byteOffset
        self.underlying = underlying
        self.recording = recording
    }

    /// A store failure while doing `what`, keeping the store's error as the cause and its kind:
    /// a chunk that does not decode or metadata that does not parse is damaged data
    /// (``Code/corrupt``), a missing node is an ``Code/incompleteRecording``, an I/O failure is
    /// ``Code/storage``. A ``CodecError`` passes through unchanged.
    public static func store(_ error: any Error, _ what: String, codec: CodecID? = nil, file: String? = nil, byteOffset: Int64? = nil) -> CodecError {
        if let error = error as? CodecError { return error }
        guard let zarr = error as? ZarrError else {
            return CodecError(.storage, what, codec: codec, file: file, byteOffset: byteOffset, underlying: SendableDescription(error))
        }
        let code: Code = switch zarr.code {
        case .corruptChunk, .invalidMetadata, .wrongNodeType: .corrupt
        case .nodeNotFound: .incompleteRecording
        case .unsupportedCodec, .unsupportedDataType, .unsupportedChunkGrid, .unsupportedChunkKeyEncoding, .unsupportedExtension: .unsupported
        case .nodeExists, .invalidArgument: .library
        case .invalidConfiguration: .invalidArgument
        case .permissionDenied: .permissionDenied
        case .storeNotFound: .noInput
        default: .storage
        }
        return CodecError(code, what, codec: codec, file: file, byteOffset: byteOffset, underlying: zarr)
    }

    /// The same error naming `file` when it names a file inside `folder` (the temporary file an
    /// import read in the original's place: a decode, an expansion, a channel group); a byte
    /// offset in that file is dropped with it.
    public func naming(_ file: String, insteadOfFilesIn folder: String) -> CodecError {
        guard let named = self.file, named.hasPrefix(folder + "/") else { return self }
        return CodecError(code, message, codec: codec, file: file, underlying: underlying, recording: recording)
    }

    /// The same error, naming the recording.
    public func inRecording(_ id: String) -> CodecError {
        var copy = self
        if copy.recording == nil { copy.recording = id }
        return copy
    }

    public var description: String {
        var text = ""
        if let recording { text += "recording \(recording): " }
        if let file { text += "\(file): " }
        text += message
        if let byteOffset { text += " (at byte \(byteOffset))" }
        if let codec { text += " [\(codec)]" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}

/// A non-Sendable error's description, kept as the cause of a ``CodecError``.
struct SendableDescription: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = String(describing: error) }
}
