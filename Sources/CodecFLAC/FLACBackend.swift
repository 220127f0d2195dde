import CodecCore
import ZarrStore

/// The FLAC backend: lossless storage of integer PCM.
///
/// - A FLAC source is copied 1:1 (the blob is byte-identical to the file).
/// - Any other source that libsndfile reads is encoded with libFLAC (streaming), keeping its
///   sample rate (1 Hz ... 1,048,575 Hz), channels (1-8) and bits per sample (4-32).
/// - The index is built by the shared 3-phase ``ParallelIndexer``.
public struct FLACBackend: CodecBackend {
    public static let codecID = FLAC.codecID
    public static let probe = ProbeSpec(extensions: ["flac"], signatures: [.init([(0, Array("fLaC".utf8))])])

    public static let maximumChannels = 8

    public init() {}

    public func importToZarr(from source: ImportSource, into group: ZarrGroup, options: ImportOptions) async throws(CodecError) -> ImportReport {
        let (size, sha256) = try RecordingLayout.checksum(of: source, codec: Self.codecID)
        let writer = try RecordingLayout.createBlob(in: group)
        var description: [String: JSONValue] = ["codec": .string(Self.codecID.rawValue)]
        var sourceFacts: [String: JSONValue] = ["file_name": .string(source.fileName), "size_bytes": .int(size), "sha256": .string(sha256)]
        var warnings: [String] = []
        let copied = try isFLACStream(source.path)
        if copied {
            try SourceFile.forEachPiece(source.path) { piece throws(CodecError) in try writer.write(piece) }
            description["encoding"] = ["copied_verbatim": true]
            sourceFacts["container"] = "FLAC"
        } else {
            let reader = try source.pcmReader()
            (description["encoding"], warnings) = try encode(reader, into: writer, options: options)
            sourceFacts["pcm"] = reader.decodeFacts
            sourceFacts["container"] = .string(reader.containerName)
            sourceFacts["sample_encoding"] = .string(reader.encodingName)
        }
        let blob = try BlobReader(try writer.finish())
        let (index, chain, report) = try await buildIndex(of: blob, options: indexOptions(options))

        try index.store(in: group)
        if chain.streamInfo.totalSamples != 0 && chain.streamInfo.totalSamples != index.totalSamples {
            warnings.append("STREAMINFO declares \(chain.streamInfo.totalSamples) samples, the frames hold \(index.totalSamples)")
        }
        description["sample_rate"] = .int(Int64(chain.streamInfo.sampleRate))
        description["channels"] = .int(Int64(chain.streamInfo.channelCount))
        description["bits_per_sample"] = .int(Int64(chain.streamInfo.bitsPerSample))
        description["total_samples"] = .int(index.totalSamples)
        description["arrays"] = ["blob": .string(RecordingLayout.blobArrayName), "index": .string(FLAC.FrameIndex.arrayName)]
        description["source"] = .object(sourceFacts)
        try RecordingLayout.storeDescription(description, in: group, codec: Self.codecID)
        return ImportReport(
            codec: Self.codecID, blobBytes: blob.length, totalSamples: index.totalSamples, sampleRate: chain.streamInfo.sampleRate,
            channelCount: chain.streamInfo.channelCount, bitsPerSample: chain.streamInfo.bitsPerSample, copiedVerbatim: copied,
            index: report, warnings: warnings)
    }

    public func buildIndex(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> IndexReport {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (index, _, report) = try await buildIndex(of: blob, options: options)
        try index.store(in: group)
        return report
    }

    public func storedIndexMatches(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> Bool {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (fresh, _, _) = try await buildIndex(of: blob, options: options)
        return try fresh == FLAC.FrameIndex.load(from: group)
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

    /// Builds the frame index of `blob` without storing it.
    public func buildIndex(of blob: BlobReader, options: IndexOptions) async throws(CodecError) -> (FLAC.FrameIndex, FLAC.MetadataChain, IndexReport) {
        let chain = try FLAC.MetadataChain { offset, count throws(CodecError) in try blob.read(offset..<offset + Int64(count)) }
        let rangeBytes = blob.alignedRangeBytes(options.rangeBytes)
        let indexer = ParallelIndexer<FLAC.FrameSyncScanner, FLAC.FrameHeaderParser, FLAC.FrameSequencer>(
            scanner: FLAC.FrameSyncScanner(), parser: FLAC.FrameHeaderParser(streamInfo: chain.streamInfo),
            rangeBytes: rangeBytes, workers: options.workers)
        let sequencer = FLAC.FrameSequencer(streamInfo: chain.streamInfo, firstFrameOffset: chain.firstFrameOffset, blob: blob)
        let ((index, sequenceRejects), headerRejects) = try await indexer.run(over: blob, from: chain.firstFrameOffset, accumulator: sequencer)
        var rejected = sequenceRejects
        for (reason, count) in headerRejects { rejected[reason.description, default: 0] += count }
        var verified = index
        if options.verifyEveryFrame {
            let damaged: Int
            (verified, damaged) = try await FLAC.FrameVerifier.verify(index, blob: blob, rangeBytes: rangeBytes, workers: options.workers)
            if damaged > 0 { rejected["damaged frame (CRC-16)", default: 0] += damaged }
        }
        let report = IndexReport(
            entries: verified.count, totalSamples: verified.totalSamples, rejected: rejected,
            scannedBytes: blob.length - chain.firstFrameOffset)
        return (verified, chain, report)
    }

    private func indexOptions(_ options: ImportOptions) -> IndexOptions {
        var indexOptions = IndexOptions()
        indexOptions.workers = options.workers
        return indexOptions
    }

    /// Whether the file holds a FLAC stream (walks its metadata chain).
    private func isFLACStream(_ path: String) throws(CodecError) -> Bool {
        let head = try SourceFile.firstBytes(path, count: 4)
        return head.elementsEqual(Array("fLaC".utf8)) || head.starts(with: Array("ID3".utf8)) && Self.hasFLACAfterID3(path)
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
    private func encode(_ reader: PCMFileReader, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> (JSONValue, [String]) {
        guard reader.encoding != .float else {
            throw CodecError(.unsupported, "\(reader.encodingName) samples: FLAC stores integers only and this import does not quantise silently. Import it with the Opus codec (lossy, levels kept), or convert it to integer PCM first (for example `sox in.wav -b 24 out.wav`)", codec: Self.codecID, file: reader.path)
        }
        let encoder = try FLAC.StreamEncoder(into: writer, settings: .init(
            sampleRate: reader.sampleRate, channelCount: reader.channelCount, bitsPerSample: reader.bitsPerSample,
            compressionLevel: options.flacLevel, blockSize: options.flacBlockSize, totalSamplesEstimate: reader.declaredFrames))
        var samples: [Int32] = []
        var frames: Int64 = 0
        while true {
            let n = try reader.read(maxFrames: options.flacBlockSize, into: &samples)
            if n == 0 { break }
            try encoder.encode(samples, frames: n)
            frames += Int64(n)
        }
        try encoder.finish()
        var warnings: [String] = []
        if reader.encoding == .lossy {
            warnings.append("\(reader.encodingName) is lossy; its decode was quantised to \(reader.bitsPerSample)-bit PCM at its own level and stored losslessly from there")
            if reader.clippedSamples > 0 {
                warnings.append("\(reader.clippedSamples) samples of the lossy decode lay beyond full scale and were clipped; the Opus codec keeps them")
            }
        }
        if frames < reader.declaredFrames {
            warnings.append("the header declares \(reader.declaredFrames) frames but the file holds \(frames); imported \(frames)")
        }
        let encoding: JSONValue = [
            "library": .string("libFLAC " + FLACLibrary.version), "compression_level": .int(Int64(options.flacLevel)),
            "block_size": .int(Int64(options.flacBlockSize)), "decoded_from_lossy": .bool(reader.encoding == .lossy),
        ]
        return (encoding, warnings)
    }
}
