import ZarrStore

/// The facts of one recording that the archive, the CLI and zarr-python users read: the one
/// owner of the shared attribute keys (docs/LAYOUT.md). A backend's import returns it, the import
/// template writes it as the recording group's attributes (last, after blob and index), and
/// readers parse it back with ``init(attributes:)``.
public struct RecordingDescription: Sendable, Equatable {
    /// The attribute keys every recording has, whatever its codec.
    public enum Key {
        public static let codec = "codec"
        public static let sampleRate = "sample_rate"
        public static let channels = "channels"
        public static let bitsPerSample = "bits_per_sample"
        public static let totalSamples = "total_samples"
        public static let arrays = "arrays"
        public static let encoding = "encoding"
        public static let copiedVerbatim = "copied_verbatim"
        public static let source = "source"
        public static let sourceFileName = "file_name"
        public static let sourceSize = "size_bytes"
        public static let sourceSHA256 = "sha256"
        public static let channelGroups = "channel_groups"
    }

    public var codec: CodecID
    /// Samples per second per channel, in the source's own rate.
    public var sampleRate: Int
    public var channelCount: Int
    public var bitsPerSample: Int
    public var totalSamples: Int64
    /// The recording's arrays by role: "blob", "index" and any the codec adds.
    public var arrays: [String: String]
    /// How the stream was made (library, settings); `copied_verbatim: true` for a 1:1 copy.
    public var encoding: [String: JSONValue]
    /// The original file: name, size, sha256, container and what else the importer learnt.
    public var source: [String: JSONValue]
    /// Keys only this codec reads (for example Opus's `coded_sample_rate`).
    public var codecFacts: [String: JSONValue]

    public init(
        codec: CodecID, sampleRate: Int, channelCount: Int, bitsPerSample: Int, totalSamples: Int64,
        arrays: [String: String], encoding: [String: JSONValue] = [:], source: [String: JSONValue] = [:],
        codecFacts: [String: JSONValue] = [:]
    ) {
        self.codec = codec
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.bitsPerSample = bitsPerSample
        self.totalSamples = totalSamples
        self.arrays = arrays
        self.encoding = encoding
        self.source = source
        self.codecFacts = codecFacts
    }

    /// Whether the samples are 32-bit floats: a codec that stores floats says so with
    /// the codec fact `sample_format: "float"` (WavPack).
    public var isFloat: Bool { codecFacts["sample_format"] == "float" }

    /// Whether the blob is byte for byte the source file.
    public var copiedVerbatim: Bool { encoding[Key.copiedVerbatim] == true }

    /// The SHA-256 (hex) of the source file, when it was measured.
    public var sourceSHA256: String? { source[Key.sourceSHA256]?.stringValue }

    /// The attributes object (inside ``RecordingLayout/attributeKey``), without the layout's own
    /// `layout_version` and `node` keys.
    public var attributes: [String: JSONValue] {
        var object = codecFacts
        object[Key.codec] = .string(codec.rawValue)
        object[Key.sampleRate] = .int(Int64(sampleRate))
        object[Key.channels] = .int(Int64(channelCount))
        object[Key.bitsPerSample] = .int(Int64(bitsPerSample))
        object[Key.totalSamples] = .int(totalSamples)
        object[Key.arrays] = .object(arrays.mapValues(JSONValue.string))
        object[Key.encoding] = .object(encoding)
        object[Key.source] = .object(source)
        return object
    }

    /// The rates, channel counts and depths a recording can have: what a WAV header can state
    /// (a 32-bit rate, a 16-bit channel count) and sample depths up to 64 bits. Anything outside
    /// is damaged or crafted metadata, refused before arithmetic on it can overflow.
    public static let sampleRates = 1...Int(UInt32.max)
    public static let channelCounts = 1...Int(UInt16.max)
    public static let sampleDepths = 1...64

    /// Every key the description owns; the rest of an attributes object is codec facts.
    private static let ownKeys: Set<String> = [
        Key.codec, Key.sampleRate, Key.channels, Key.bitsPerSample, Key.totalSamples, Key.arrays, Key.encoding, Key.source,
        "layout_version", "node",
    ]

    /// Parses a recording's attributes object (what ``attributes`` wrote, or an older layout's).
    /// - Throws: ``CodecError/Code/corrupt`` naming the first missing or invalid key.
    public init(attributes object: [String: JSONValue], file: String? = nil) throws(CodecError) {
        func invalid(_ key: String) -> CodecError {
            CodecError(.corrupt, "the recording's attributes lack a valid '\(key)'", file: file)
        }
        guard let codec = object[Key.codec]?.stringValue, !codec.isEmpty else { throw invalid(Key.codec) }
        guard let rate = object[Key.sampleRate]?.intValue, Self.sampleRates.contains(rate) else { throw invalid(Key.sampleRate) }
        guard let channels = object[Key.channels]?.intValue, Self.channelCounts.contains(channels) else { throw invalid(Key.channels) }
        let bits = object[Key.bitsPerSample]?.intValue ?? 16
        guard Self.sampleDepths.contains(bits) else { throw invalid(Key.bitsPerSample) }
        guard let total = object[Key.totalSamples]?.intValue, total >= 0 else { throw invalid(Key.totalSamples) }
        var arrays: [String: String] = [:]
        for (role, name) in object[Key.arrays]?.objectValue ?? [:] {
            guard let name = name.stringValue else { throw invalid(Key.arrays) }
            arrays[role] = name
        }
        self.init(
            codec: CodecID(codec), sampleRate: rate, channelCount: channels, bitsPerSample: bits,
            totalSamples: Int64(total), arrays: arrays, encoding: object[Key.encoding]?.objectValue ?? [:],
            source: object[Key.source]?.objectValue ?? [:], codecFacts: object.filter { !Self.ownKeys.contains($0.key) })
    }
}
