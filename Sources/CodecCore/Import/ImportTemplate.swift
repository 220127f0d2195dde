import ZarrStore

/// What the first step of an import wrote into the blob: a copy of the source or its encoding.
public struct WrittenStream: Sendable {
    /// Whether the blob is byte for byte the source file.
    public var copiedVerbatim: Bool
    /// How the stream was made (library, settings); empty for a copy.
    public var encoding: [String: JSONValue]
    /// What the step learnt of the source (container, sample encoding, decoder facts, tags).
    public var sourceFacts: [String: JSONValue]
    /// The source's sample rate, when the stream alone does not say it (a lossy codec coding at
    /// another rate); nil for a copy.
    public var sourceSampleRate: Int?
    public var warnings: [String]
    /// Where the encoder put each frame, when it noted it (nil for a copy).
    public var encodedFrames: EncodedFrames?

    public init(
        copiedVerbatim: Bool, encoding: [String: JSONValue] = [:], sourceFacts: [String: JSONValue] = [:],
        sourceSampleRate: Int? = nil, warnings: [String] = [], encodedFrames: EncodedFrames? = nil
    ) {
        self.copiedVerbatim = copiedVerbatim
        self.encoding = encoding
        self.sourceFacts = sourceFacts
        self.sourceSampleRate = sourceSampleRate
        self.warnings = warnings
        self.encodedFrames = encodedFrames
    }
}

/// What the index step of an import found and stored.
public struct IndexedStream: Sendable {
    /// The recording's facts; the template adds the blob array, the encoding and the source.
    public var description: RecordingDescription
    public var index: IndexReport
    public var warnings: [String]

    public init(description: RecordingDescription, index: IndexReport, warnings: [String] = []) {
        self.description = description
        self.index = index
        self.warnings = warnings
    }
}

/// A backend whose import is the shared template: the source's size and checksum, a new blob,
/// copy or encode (``writeStream(from:into:options:)``), index the finished blob and store the
/// index (``indexStream(_:written:source:in:options:)``), and the recording's attributes last,
/// so that a recording without them is recognisably incomplete. Conforming supplies the default
/// ``CodecBackend/importToZarr(from:into:options:)``.
public protocol TemplatedImport: CodecBackend {
    /// Writes the stream into `writer`: a 1:1 copy of a file in the codec's own format
    /// (``copyVerbatim(_:into:container:)``) or an encoding of the source's PCM.
    func writeStream(from source: ImportSource, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream

    /// Indexes the finished `blob`, checks it (for a copy: against the codec's reference decoder
    /// where it has one), stores the index tables in `group` and describes the recording.
    func indexStream(
        _ blob: BlobReader, written: WrittenStream, source: ImportSource, in group: ZarrGroup, options: ImportOptions
    ) async throws(CodecError) -> IndexedStream
}

extension TemplatedImport {
    public func importToZarr(from source: ImportSource, into group: ZarrGroup, options: ImportOptions) async throws(CodecError) -> ImportReport {
        guard let size = source.sizeBytes ?? SourceFile.status(source.path)?.size else {
            throw CodecError(.noInput, "the file does not exist", codec: Self.codecID, file: source.path)
        }
        guard size > 0 else { throw CodecError(.unrecognized, "the file is empty", codec: Self.codecID, file: source.path) }
        // The encode reads, waits for its segments and stores shards: on a thread of its own.
        let (written, array) = try await DedicatedThread.run { [self] () throws(CodecError) in
            let writer = try RecordingLayout.createBlob(in: group)
            return (try writeStream(from: source, into: writer, options: options), try writer.finish())
        }
        let blob = try BlobReader(array)
        let indexed = try await indexStream(blob, written: written, source: source, in: group, options: options)

        var description = indexed.description
        description.arrays["blob"] = RecordingLayout.blobArrayName
        description.encoding = written.encoding.merging(description.encoding) { _, new in new }
        if written.copiedVerbatim { description.encoding[RecordingDescription.Key.copiedVerbatim] = true }
        var sourceFacts = written.sourceFacts.merging(description.source) { _, new in new }
        sourceFacts[RecordingDescription.Key.sourceFileName] = .string(source.fileName)
        sourceFacts[RecordingDescription.Key.sourceSize] = .int(size)
        if let sha256 = source.sha256 { sourceFacts[RecordingDescription.Key.sourceSHA256] = .string(sha256) }
        description.source = sourceFacts
        try RecordingLayout.store(description, in: group)
        return ImportReport(
            codec: Self.codecID, blobBytes: blob.length, totalSamples: description.totalSamples, sampleRate: description.sampleRate,
            channelCount: description.channelCount, bitsPerSample: description.bitsPerSample, copiedVerbatim: written.copiedVerbatim,
            index: indexed.index, warnings: written.warnings + indexed.warnings)
    }

    /// Copies the source file into `writer` byte for byte, streamed.
    public func copyVerbatim(_ source: ImportSource, into writer: BlobWriter, container: String) throws(CodecError) -> WrittenStream {
        try SourceFile.forEachPiece(source.path) { piece throws(CodecError) in
            try writer.write(piece)
            source.progress?.add(Int64(piece.count))
        }
        return WrittenStream(copiedVerbatim: true, sourceFacts: ["container": .string(container)])
    }

    /// Whether the source starts with one of the codec's signatures (``CodecBackend/probe``):
    /// the files a backend copies 1:1.
    public func hasOwnSignature(_ source: ImportSource) throws(CodecError) -> Bool {
        let head = try SourceFile.firstBytes(source.path, count: ProbeSpec.probeBytes)
        return Self.probe.signatures.contains { $0.matches(head) }
    }
}
