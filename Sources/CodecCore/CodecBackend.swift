import ZarrStore

/// A codec plugin: imports audio into a recording group, indexes the stored stream, and
/// extracts sample ranges. Backends hold no state; everything lives in the store.
///
/// No associated types, so a registry can hold `any CodecBackend.Type`; the generic machinery
/// (``ParallelIndexer``) sits below this boundary, inside each backend.
public protocol CodecBackend: Sendable {
    /// Persisted in the recording's attributes; never change a shipped value.
    static var codecID: CodecID { get }
    /// How to recognise this codec's own stream format in an input file (for 1:1 copies).
    static var probe: ProbeSpec { get }
    /// The most channels one stream of this codec holds (more are stored as channel groups).
    static var maximumChannels: Int { get }
    /// The C libraries the codec links, with their versions (default: none).
    static var linkedLibraries: [(name: String, version: String)] { get }
    /// The settings the codec reads from ``ImportOptions/codecSettings`` (default: none).
    static var settings: [CodecSetting] { get }
    /// Whether an encoded recording decodes to exactly the samples it was given (FLAC, WavPack),
    /// so that the archive can keep a WAV source's container for byte-exact export (default: false).
    static var isLossless: Bool { get }

    init()

    /// Imports `source` into `group` (an empty recording group): writes the encoded stream as the
    /// blob, builds the index and records the attributes, the attributes last.
    func importToZarr(from source: ImportSource, into group: ZarrGroup, options: ImportOptions) async throws(CodecError) -> ImportReport

    /// Rebuilds the index of the recording in `group` from its blob.
    func buildIndex(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> IndexReport

    /// Whether a fresh index of the blob equals the stored one (nothing is written).
    func storedIndexMatches(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> Bool

    /// The damaged stretches of the stored stream, judged by its own checksums (FLAC frame
    /// CRC-16, Ogg page CRC-32) over the stored index: one description each, naming the seconds
    /// affected. Empty when every checksum holds.
    func damagedRegions(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> [String]

    /// Opens the recording in `group` for extraction (loads what every extraction needs once).
    func openRecording(_ group: ZarrGroup) throws(CodecError) -> any RecordingReader
}

extension CodecBackend {
    /// The C libraries the codec links, with their versions (for `aimport version`).
    public static var linkedLibraries: [(name: String, version: String)] { [] }

    public static var settings: [CodecSetting] { [] }

    public static var isLossless: Bool { false }

    /// Sample frames `range` (in the recording's own rate) of the recording in `group`, all channels.
    public func extractSegment(_ range: Range<Int64>, from group: ZarrGroup, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
        try openRecording(group).extract(range, as: format)
    }
}

/// An opened recording: extracts sample ranges. Safe to share between tasks; each extraction
/// uses its own decoder.
public protocol RecordingReader: Sendable {
    /// The recording's length in sample frames.
    var totalSamples: Int64 { get }
    var sampleRate: Int { get }
    var channelCount: Int { get }
    var bitsPerSample: Int { get }
    /// Whether the samples are floats (a 32-bit float recording): extraction then keeps them as
    /// float32 unless integers are asked for, which clips samples beyond full scale and counts
    /// them (``PCMBuffer/clippedSamples``). Default: false (integer or lossy recordings).
    var isFloat: Bool { get }

    /// Exactly the sample frames `range`, all channels interleaved.
    /// - Throws: ``CodecError/Code/invalidArgument`` for ranges outside the recording or inverted;
    ///   ``CodecError/Code/corrupt`` when a frame in the range is damaged.
    func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer

    /// The same samples written straight into `destination` (interleaved, host byte order, at
    /// least `range.count * channelCount * format.bytesPerSample` bytes, any alignment): a
    /// caller's buffer filled without an intermediate one. The default extracts and copies.
    /// - Throws: as ``extract(_:as:)``, and ``CodecError/Code/invalidArgument`` for a destination
    ///   too small.
    func extract(_ range: Range<Int64>, as format: SampleFormat, into destination: UnsafeMutableRawBufferPointer) throws(CodecError)

    /// The samples of `range` handed to `body` in order, in buffers of at most `runFrames`
    /// frames: together exactly ``extract(_:as:)`` of the range, while memory holds one buffer,
    /// not the range. The default extracts each run on its own (exact for codecs whose frames
    /// decode alone); a codec whose decoder carries state from frame to frame (Opus) decodes the
    /// range in one pass instead.
    /// - Throws: as ``extract(_:as:)``, and whatever `body` throws.
    func extract(_ range: Range<Int64>, as format: SampleFormat, runFrames: Int, _ body: (PCMBuffer) throws(CodecError) -> Void) throws(CodecError)
}

extension RecordingReader {
    public var isFloat: Bool { false }

    public func extract(_ range: Range<Int64>, as format: SampleFormat, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        try extract(range, as: format).copy(into: destination)
    }

    public func extract(_ range: Range<Int64>, as format: SampleFormat, runFrames: Int, _ body: (PCMBuffer) throws(CodecError) -> Void) throws(CodecError) {
        for run in SampleRuns(range, length: Int64(runFrames)) { try body(try extract(run, as: format)) }
    }

    /// Extracts many ranges with up to `workers` in parallel; results in the order of `ranges`.
    public func extract(_ ranges: [Range<Int64>], as format: SampleFormat, workers: Int) async throws(CodecError) -> [PCMBuffer] {
        try await BoundedTasks.map(ranges, workers: workers) { range throws(CodecError) in try self.extract(range, as: format) }
    }
}

/// Recognising a codec's stream in a file: its extensions and byte signatures.
public struct ProbeSpec: Sendable {
    /// Bytes that must appear at given offsets; all parts must match.
    public struct Signature: Sendable {
        public let parts: [(offset: Int, bytes: [UInt8])]
        public init(_ parts: [(offset: Int, bytes: [UInt8])]) { self.parts = parts }

        /// Whether `firstBytes` (the start of a file) carries this signature.
        public func matches(_ firstBytes: [UInt8]) -> Bool {
            parts.allSatisfy { part in
                firstBytes.count >= part.offset + part.bytes.count
                    && firstBytes[part.offset..<part.offset + part.bytes.count].elementsEqual(part.bytes)
            }
        }
    }

    public let extensions: [String]
    public let signatures: [Signature]

    public init(extensions: [String], signatures: [Signature]) {
        self.extensions = extensions
        self.signatures = signatures
    }

    /// Bytes from the start of a file that probing needs.
    public static let probeBytes = 64

    /// 2 when a signature matches, 1 when only the extension does, 0 otherwise.
    public func score(firstBytes: [UInt8], fileExtension: String) -> Int {
        if signatures.contains(where: { $0.matches(firstBytes) }) { return 2 }
        return extensions.contains(fileExtension.lowercased()) ? 1 : 0
    }
}

/// Settings for an import: what every codec shares, and each codec's own settings as data it
/// declares (``CodecBackend/settings``), by codec; a backend reads only its own.
public struct ImportOptions: Sendable {
    /// Settings by codec, then by name (``CodecSetting``): ``validateCodecOptions(for:)`` checks
    /// a codec's, and ``integer(_:of:)``, ``boolean(_:of:)`` and ``choice(_:of:)`` read them
    /// (a setting not given has its declared default).
    public var codecSettings: [CodecID: [String: String]] = [:]
    /// Cores for one import: encoders that cut a long source into segments encode them on this
    /// many threads (the stream is the same for any number), and the index is built with as many.
    public var workers: Int = 2
    public init() {}

    /// The settings for the index an import builds (its ``workers``, the rest default).
    public var indexOptions: IndexOptions {
        var options = IndexOptions()
        options.workers = workers
        return options
    }
}

/// Settings for building an index.
public struct IndexOptions: Sendable {
    /// Parallel tasks for phases 1 and 2; 1 runs them sequentially.
    public var workers: Int = 2
    /// Bytes per scanned range (rounded to the blob's inner chunk size).
    public var rangeBytes: Int = 4 << 20
    /// Verify the checksum of every frame, not only of frames in doubt.
    public var verifyEveryFrame: Bool = false
    public init() {}
}

/// What an import did.
public struct ImportReport: Sendable {
    public var codec: CodecID
    public var blobBytes: Int64
    public var totalSamples: Int64
    public var sampleRate: Int
    public var channelCount: Int
    public var bitsPerSample: Int
    /// Whether the blob is a byte-for-byte copy of the source file.
    public var copiedVerbatim: Bool
    public var index: IndexReport
    /// Problems that did not stop the import (e.g. a header that claimed more data than present).
    public var warnings: [String]

    public init(
        codec: CodecID, blobBytes: Int64, totalSamples: Int64, sampleRate: Int, channelCount: Int, bitsPerSample: Int,
        copiedVerbatim: Bool, index: IndexReport, warnings: [String]
    ) {
        self.codec = codec
        self.blobBytes = blobBytes
        self.totalSamples = totalSamples
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.bitsPerSample = bitsPerSample
        self.copiedVerbatim = copiedVerbatim
        self.index = index
        self.warnings = warnings
    }
}

/// What an index build found.
public struct IndexReport: Sendable, Equatable {
    /// Rows in the index (frames or pages).
    public var entries: Int
    /// Samples the index covers.
    public var totalSamples: Int64
    /// Candidates rejected, counted per reason.
    public var rejected: [String: Int]
    /// Bytes of the blob scanned.
    public var scannedBytes: Int64

    public init(entries: Int, totalSamples: Int64, rejected: [String: Int], scannedBytes: Int64) {
        self.entries = entries
        self.totalSamples = totalSamples
        self.rejected = rejected
        self.scannedBytes = scannedBytes
    }
}
