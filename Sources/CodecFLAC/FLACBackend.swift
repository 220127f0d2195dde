import AudioInput
import CodecCore
import ZarrStore

/// The FLAC backend: lossless storage of integer PCM.
///
/// - A FLAC source is copied 1:1 (the blob is byte-identical to the file).
/// - Any other source that libsndfile reads is encoded with libFLAC (streaming), keeping its
///   sample rate (1 Hz ... 1,048,575 Hz), channels (1-8) and bits per sample (4-32).
/// - The index is built by the shared 3-phase ``ParallelIndexer``.
public struct FLACBackend: TemplatedImport {
    public static let codecID = FLAC.codecID
    public static let probe = ProbeSpec(extensions: ["flac"], signatures: [.init([(0, Array("fLaC".utf8))])])

    public static let maximumChannels = 8
    public static let isLossless = true
    public static var linkedLibraries: [(name: String, version: String)] { [("libFLAC", FLACLibrary.version)] }
    public static let settings = [
        CodecSetting("level", .integer(0...8), default: "5", help: "libFLAC compression level"),
        CodecSetting("block-size", .integer(16...65_535), default: "4096", help: "samples per frame (4608 or less keeps the streamable subset at 48 kHz and below)"),
    ]

    public init() {}

    public func writeStream(from source: ImportSource, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        if try isFLACStream(source.path) { return try copyVerbatim(source, into: writer, container: "FLAC") }
        let reader = try source.pcmReader()
        var written = try encode(reader, into: writer, options: options)
        written.sourceFacts = [
            "pcm": reader.decodeFacts, "container": .string(reader.containerName), "sample_encoding": .string(reader.encodingName),
        ]
        return written
    }

    public func indexStream(
        _ blob: BlobReader, written: WrittenStream, source: ImportSource, in group: ZarrGroup, options: ImportOptions
    ) async throws(CodecError) -> IndexedStream {
        let encoders = try encodersIndex(of: blob, written: written)
        let (index, chain, report) = if let encoders { encoders } else { try await buildIndex(of: blob, options: options.indexOptions) }
        var codecFacts: [String: JSONValue] = [:]
        var warnings: [String] = []
        if written.copiedVerbatim {
            let check = try FLAC.StreamDecodeCheck.run(over: blob)
            let facts = try Self.judge(index, against: check, chain: chain, blob: blob, file: source.path)
            codecFacts["stream_check"] = facts.description
            warnings += facts.warnings
        }
        try index.store(in: group)
        if chain.streamInfo.totalSamples != 0 && chain.streamInfo.totalSamples != index.totalSamples {
            warnings.append("STREAMINFO declares \(chain.streamInfo.totalSamples) samples, the frames hold \(index.totalSamples)")
        }
        let description = RecordingDescription(
            codec: Self.codecID, sampleRate: chain.streamInfo.sampleRate, channelCount: chain.streamInfo.channelCount,
            bitsPerSample: chain.streamInfo.bitsPerSample, totalSamples: index.totalSamples,
            arrays: ["index": FLAC.FrameIndex.arrayName], codecFacts: codecFacts)
        return IndexedStream(description: description, index: report, warnings: warnings)
    }

    public func buildIndex(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> IndexReport {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (index, _, report) = try await buildIndex(of: blob, options: options)
        try index.replace(in: group)
        return report
    }

    public func storedIndexMatches(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> Bool {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (fresh, _, _) = try await buildIndex(of: blob, options: options)
        return try fresh == FLAC.FrameIndex.load(from: group)
    }

    public func damagedRegions(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> [String] {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let index = try FLAC.FrameIndex.load(from: group)
        let chain = try FLAC.MetadataChain { offset, count throws(CodecError) in try blob.read(offset..<offset + Int64(count)) }
        let rate = Double(chain.streamInfo.sampleRate)
        let rows = try await FLAC.FrameVerifier.damagedRows(of: index, blob: blob, rangeBytes: blob.alignedRangeBytes(options.rangeBytes), workers: options.workers)
        return rows.map { row in
            let start = Double(index.firstSamples[row]) / rate
            let end = Double(row + 1 < index.count ? index.firstSamples[row + 1] : index.totalSamples) / rate
            return "frame \(row) at byte \(index.byteOffsets[row]) fails its CRC-16 (seconds \(String(format: "%.3f", start))-\(String(format: "%.3f", end)))"
        }
    }

    public func openRecording(_ group: ZarrGroup) throws(CodecError) -> any CodecCore.RecordingReader {
        try openFLACRecording(group)
    }

    /// The recording in `group` with its concrete reader type.
    public func openFLACRecording(_ group: ZarrGroup) throws(CodecError) -> FLAC.RecordingReader {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let chain = try FLAC.MetadataChain { offset, count throws(CodecError) in try blob.read(offset..<offset + Int64(count)) }
        return FLAC.RecordingReader(blob: blob, index: try FLAC.FrameIndex.load(from: group), chain: chain)
    }

    /// The index libFLAC's own frame writes give for a stream it just encoded, when it agrees
    /// with the stream: the frames start where the metadata ends, follow each other to the end
    /// of the blob and hold the samples STREAMINFO declares. nil otherwise (then the blob is
    /// scanned). Reads only the metadata blocks, so an import does not read its blob back.
    func encodersIndex(of blob: BlobReader, written: WrittenStream) throws(CodecError) -> (FLAC.FrameIndex, FLAC.MetadataChain, IndexReport)? {
        guard !written.copiedVerbatim, let frames = written.encodedFrames, frames.count > 0 else { return nil }
        let chain = try FLAC.MetadataChain { offset, count throws(CodecError) in try blob.read(offset..<offset + Int64(count)) }
        guard frames.isContiguous(from: chain.firstFrameOffset, to: blob.length),
              chain.streamInfo.totalSamples == 0 || chain.streamInfo.totalSamples == frames.totalSamples else { return nil }
        let index = FLAC.FrameIndex(byteOffsets: frames.byteOffsets, frameSizes: frames.sizes, firstSamples: frames.firstSamples, totalSamples: frames.totalSamples)
        return (index, chain, IndexReport(entries: index.count, totalSamples: index.totalSamples, rejected: [:], scannedBytes: 0))
    }

    /// Builds the frame index of `blob` without storing it.
    public func buildIndex(of blob: BlobReader, options: IndexOptions) async throws(CodecError) -> (FLAC.FrameIndex, FLAC.MetadataChain, IndexReport) {
        let chain = try FLAC.MetadataChain { offset, count throws(CodecError) in try blob.read(offset..<offset + Int64(count)) }
        let rangeBytes = blob.alignedRangeBytes(options.rangeBytes)
        let indexer = ParallelIndexer<FLAC.FrameSyncScanner, FLAC.FrameHeaderParser, FLAC.FrameSequencer>(
            scanner: FLAC.FrameSyncScanner(), parser: FLAC.FrameHeaderParser(streamInfo: chain.streamInfo),
            rangeBytes: rangeBytes, workers: options.workers)
        let sequencer = FLAC.FrameSequencer(chain: chain, blob: blob)
        let outcome = try await indexer.run(over: blob, from: chain.firstFrameOffset, accumulator: sequencer)
        var rejected = outcome.rejectedByDescription
        var verified = outcome.index
        if options.verifyEveryFrame {
            let damaged: Int
            (verified, damaged) = try await FLAC.FrameVerifier.verify(outcome.index, blob: blob, rangeBytes: rangeBytes, workers: options.workers)
            if damaged > 0 { rejected["damaged frame (CRC-16)", default: 0] += damaged }
        }
        let report = IndexReport(
            entries: verified.count, totalSamples: verified.totalSamples, rejected: rejected,
            scannedBytes: blob.length - chain.firstFrameOffset)
        return (verified, chain, report)
    }

    /// Holds a copied stream's index to libFLAC's decode of the whole stream (the truth rule):
    /// when libFLAC decodes the audio without error, the index must list exactly its frames, or
    /// the import is refused. Returns the facts to record and the warnings.
    static func judge(
        _ index: FLAC.FrameIndex, against check: FLAC.StreamDecodeCheck, chain: FLAC.MetadataChain, blob: BlobReader, file: String
    ) throws(CodecError) -> (description: JSONValue, warnings: [String]) {
        var warnings: [String] = []
        let damage = check.errorsInAudio
        if damage.isEmpty, let difference = check.disagreement(with: index) {
            throw CodecError(.unsupported, "the archive cannot index this FLAC stream as libFLAC decodes it (\(difference)); refused rather than stored as a different recording", codec: codecID, file: file)
        }
        if let first = damage.first {
            warnings.append("libFLAC reports \(damage.count) decoding errors in the audio (first: \(first.status) after frame \(first.framesBefore)): the stream is damaged; samples in damaged frames cannot be extracted")
        }
        let audioEnd = index.count > 0 ? index.byteOffsets[index.count - 1] + index.frameSizes[index.count - 1] : chain.firstFrameOffset
        let trailing = blob.length - audioEnd
        var trailingKind: String?
        if trailing > 0 {
            let kind = trailingDataKind(try blob.read(max(audioEnd, blob.length - 160)..<blob.length), start: try blob.read(audioEnd..<audioEnd + 8))
            trailingKind = kind
            warnings.append("\(trailing) bytes after the last frame are not audio (\(kind)); kept in the copy, never decoded")
        }
        if check.md5Matches == false {
            warnings.append("the MD5 signature in STREAMINFO does not match the decoded samples (libFLAC); the samples are kept as libFLAC decodes them")
        }
        if chain.isHeaderless {
            warnings.append("the stream has no \"fLaC\" marker and no STREAMINFO; rate, channels and sample size come from its frame headers")
        }
        var description: [String: JSONValue] = [
            "reference": .string("libFLAC " + FLACLibrary.version), "frames": .int(Int64(check.frames.count)),
            "samples": .int(check.totalSamples), "decoding_errors": .int(Int64(damage.count)), "trailing_bytes": .int(trailing),
            "headerless": .bool(chain.isHeaderless),
        ]
        if let md5 = check.md5Matches { description["md5_matches"] = .bool(md5) }
        if let trailingKind { description["trailing_data"] = .string(trailingKind) }
        return (.object(description), warnings)
    }

    /// What follows the audio: tags that taggers append to FLAC files, or unknown bytes.
    static func trailingDataKind(_ tail: [UInt8], start: [UInt8]) -> String {
        func has(_ text: String, in bytes: [UInt8]) -> Bool {
            let needle = Array(text.utf8)
            return bytes.count >= needle.count && (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
        }
        if has("APETAGEX", in: tail) || start.starts(with: Array("APETAGEX".utf8)) { return "an APEv2 tag" }
        if tail.count >= 128, tail[(tail.count - 128)...].starts(with: Array("TAG".utf8)) { return "an ID3v1 tag" }
        if has("LYRICS200", in: tail) { return "a Lyrics3 tag" }
        if start.starts(with: Array("ID3".utf8)) { return "an ID3v2 tag" }
        return "unrecognised bytes"
    }

    /// Whether the file holds a FLAC stream (walks its metadata chain).
    private func isFLACStream(_ path: String) throws(CodecError) -> Bool {
        let head = try SourceFile.firstBytes(path, count: 16)
        return head.starts(with: Array("fLaC".utf8)) || head.starts(with: Array("ID3".utf8)) && Self.hasFLACAfterID3(path)
            || FLAC.MetadataChain.streamInfo(fromFrameHeader: head) != nil
    }

    private static func hasFLACAfterID3(_ path: String) -> Bool {
        let chain = try? FLAC.MetadataChain { offset, count throws(CodecError) in
            var bytes: [UInt8] = []
            let all = try SourceFile.firstBytes(path, count: Int(offset) + count)
            if all.count > Int(offset) { bytes = Array(all[Int(offset)...]) }
            return bytes
        }
        return chain != nil
    }

    /// Encodes all of `reader` into `writer`; returns the encoding description and warnings.
    private func encode(_ reader: PCMFileReader, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        let level = options.integer("level", of: Self.self), blockSize = options.integer("block-size", of: Self.self)
        guard reader.encoding != .float else {
            let ways = reader.bitsPerSample <= 32
                ? "Import it with `--codec wavpack` (lossless, floats kept exactly) or the Opus codec (lossy), or convert it to integer PCM first (for example `sox in.wav -b 24 out.wav`)"
                : "Convert it to 32-bit float (which `--codec wavpack` keeps exactly) or to integer PCM first (for example `sox in.wav -b 24 out.wav`), or import it with the Opus codec (lossy)"
            throw CodecError(.unsupported, "\(reader.encodingName) samples: FLAC stores integers only and this import does not quantise silently. \(ways)", codec: Self.codecID, file: reader.path)
        }
        let encoder = FLAC.ParallelStreamEncoder(settings: .init(
            sampleRate: reader.sampleRate, channelCount: reader.channelCount, bitsPerSample: reader.bitsPerSample,
            compressionLevel: level, blockSize: blockSize, totalSamplesEstimate: reader.declaredFrames), workers: options.workers)
        let encodedFrames = try encoder.encode(reader, into: writer)
        let frames = encodedFrames.totalSamples
        var warnings: [String] = []
        if reader.encoding == .lossy {
            warnings.append("\(reader.encodingName) is lossy; its decode was quantised to \(reader.bitsPerSample)-bit PCM at its own level and stored losslessly from there")
            if reader.clippedSamples > 0 {
                warnings.append("\(reader.clippedSamples) samples of the lossy decode lay beyond full scale and were clipped; the Opus codec keeps them")
            }
        }
        if let shortfall = reader.shortfallWarning(read: frames) { warnings.append(shortfall) }
        let encoding: [String: JSONValue] = [
            "library": .string("libFLAC " + FLACLibrary.version), "compression_level": .int(Int64(level)),
            "block_size": .int(Int64(blockSize)), "decoded_from_lossy": .bool(reader.encoding == .lossy),
        ]
        return WrittenStream(copiedVerbatim: false, encoding: encoding, warnings: warnings, encodedFrames: encodedFrames)
    }
}
