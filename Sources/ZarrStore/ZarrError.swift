/// An error from the Zarr layer: what went wrong (``Code``), where (store key), and why.
///
/// `Code` is a struct with static members rather than an enum so that new codes can be added
/// without breaking callers that switch over it.
public struct ZarrError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A codec named in metadata that this implementation does not provide.
        public static let unsupportedCodec = Code("unsupported codec")
        /// A data type named in metadata that this implementation does not provide.
        public static let unsupportedDataType = Code("unsupported data type")
        /// A chunk grid named in metadata that this implementation does not provide.
        public static let unsupportedChunkGrid = Code("unsupported chunk grid")
        /// A chunk key encoding named in metadata that this implementation does not provide.
        public static let unsupportedChunkKeyEncoding = Code("unsupported chunk key encoding")
        /// An extension that the metadata marks as `must_understand`.
        public static let unsupportedExtension = Code("unsupported extension")
        /// Metadata that is not valid Zarr v3.
        public static let invalidMetadata = Code("invalid metadata")
        /// A node that does not exist where one was expected.
        public static let nodeNotFound = Code("node not found")
        /// A node that exists where a new one was to be created.
        public static let nodeExists = Code("node already exists")
        /// A node of the other kind (group vs array).
        public static let wrongNodeType = Code("wrong node type")
        /// A stored chunk or shard that does not decode (bad checksum, wrong size...).
        public static let corruptChunk = Code("corrupt chunk")
        /// A region, shape or argument outside what the array allows.
        public static let invalidArgument = Code("invalid argument")
        /// A failure reading or writing the underlying storage.
        public static let io = Code("I/O error")
        /// The storage refused the credentials or the operation (an object store's 403).
        public static let permissionDenied = Code("permission denied")
        /// The storage itself does not exist (an object store's missing bucket).
        public static let storeNotFound = Code("store not found")
        /// The storage's configuration cannot be used (an object store's endpoint that is not an
        /// http or https server's address).
        public static let invalidConfiguration = Code("invalid configuration")
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation naming the offending value.
    public let message: String
    /// The store key involved, when there is one.
    public let key: String?
    /// The lower-level error, when there is one.
    public let underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, key: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.key = key
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let key { text += " (key '\(key)')" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
