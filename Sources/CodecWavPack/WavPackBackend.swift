import AudioInput
import CodecCore
import Foundation
import ZarrStore

/// The WavPack backend: lossless storage of integer PCM of 1-32 bits and of 32-bit float PCM
/// (what FLAC cannot store), up to 4096 channels in one stream, any sample rate.
///
/// - A WavPack file (`.wv`, starting with "wvpk") is copied 1:1 (the blob is the file). A
///   hybrid file is refused when its correction file (`.wvc`) lies beside it (the pair is not
///   stored); a hybrid file without one is stored and marked lossy.
/// - Any other source libsndfile reads is encoded with libwavpack; float and lossy sources are
///   kept as the floats they decode to (no quantisation).
/// - The index (one row per frame: the blocks of all channels for one run of samples) is built
///   by the shared 3-phase ``ParallelIndexer``; phase 2 checks every block's structure and its
///   checksum where the block has one.
public struct WavPackBackend: TemplatedImport {
    public static let codecID = WavPack.codecID
    public static let probe = ProbeSpec(extensions: ["wv"], signatures: [.init([(0, Array("wvpk".utf8))])])
    public static let maximumChannels = StreamEncoder.maximumChannels
    public static let isLossless = true
    public static var linkedLibraries: [(name: String, version: String)] { [("libwavpack", WavPackLibrary.version)] }
    public static let settings = [
        CodecSetting("mode", .choice(Array(WavPack.StreamEncoder.modes.keys).sorted()), default: "normal", help: "libwavpack mode: smaller files cost encoding time, never decoding exactness"),
    ]
    typealias StreamEncoder = WavPack.StreamEncoder

    public init() {}

    public func writeStream(from source: ImportSource, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        if try hasOwnSignature(source) { return try copyVerbatim(source, into: writer, container: "WavPack") }
        let reader = try source.pcmReader()
        var written = try encode(reader, into: writer, options: options)
        written.sourceFacts = [
            "container": .string(reader.containerName), "sample_encoding": .string(reader.encodingName), "pcm": reader.decodeFacts,
        ]
        return written
    }

    public func indexStream(
        _ blob: BlobReader, written: WrittenStream, source: ImportSource, in group: ZarrGroup, options: ImportOptions
    ) async throws(CodecError) -> IndexedStream {
        let index: WavPack.FrameIndex, report: IndexReport
        if let encoders = try encodersIndex(of: blob, written: written) {
            (index, report) = encoders
        } else {
            (index, report) = try await buildIndex(of: blob, options: options.indexOptions)
        }
        guard index.count > 0 else {
            throw CodecError(.corrupt, "no intact WavPack frame in the stream", codec: Self.codecID, file: source.path)
        }
        let format = try Self.streamFormat(blob: blob, index: index)
        var warnings: [String] = []
        var codecFacts: [String: JSONValue] = [
            "sample_format": .string(format.isFloat ? "float" : "int"), "lossy": .bool(!format.isLossless),
        ]
        if written.copiedVerbatim {
            if format.isHybrid {
                let correction = (source.path as NSString).deletingPathExtension + ".wvc"
                guard !FileManager.default.fileExists(atPath: correction) else {
                    throw CodecError(.unsupported, "a hybrid WavPack file with its correction file (\((correction as NSString).lastPathComponent)) beside it: the pair is not stored; decode it to a lossless .wv first (wvunpack, then wavpack)", codec: Self.codecID, file: source.path)
                }
                warnings.append("a hybrid (lossy) WavPack file without its correction file: stored as it is, marked lossy")
            }
            if let declared = format.declaredTotal, declared != index.totalSamples {
                warnings.append("the first block declares \(declared) samples, the frames hold \(index.totalSamples)")
            }
            let reader = WavPack.RecordingReader(blob: blob, index: index, sampleRate: format.sampleRate, bitsPerSample: format.bitsPerSample, isFloat: format.isFloat)
            let check = try WavPack.StreamDecodeCheck.run(over: blob, reader: reader, file: source.path)
            codecFacts["stream_check"] = check.description
            warnings += check.warnings
        }
        try index.store(in: group)
        let description = RecordingDescription(
            codec: Self.codecID, sampleRate: format.sampleRate, channelCount: index.channelCount, bitsPerSample: format.bitsPerSample,
            totalSamples: index.totalSamples, arrays: ["index": WavPack.FrameIndex.arrayName], codecFacts: codecFacts)
        return IndexedStream(description: description, index: report, warnings: warnings)
    }

    public func buildIndex(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> IndexReport {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (index, report) = try await buildIndex(of: blob, options: options)
        try index.replace(in: group)
        return report
    }

    public func storedIndexMatches(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> Bool {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        return try await buildIndex(of: blob, options: options).0 == WavPack.FrameIndex.load(from: group)
    }

    public func damagedRegions(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> [String] {
        let reader = try openWavPackRecording(group)
        let index = reader.index
        var problems: [String] = []
        for row in 0..<index.count {
            let bytes = try reader.blob.read(index.byteOffsets[row]..<index.byteOffsets[row] + index.frameSizes[row])
            let intact = bytes.withUnsafeBytes { raw -> Bool in
                var position = 0
                while position < raw.count {
                    let block = UnsafeRawBufferPointer(rebasing: raw[position...])
                    guard case .success(let header) = WavPack.BlockHeader.parse(block),
                          WavPack.BlockVerification.verify(block, header: header) == nil else { return false }
                    position += header.size
                }
                return true
            }
            if !intact {
                let rate = Double(reader.sampleRate)
                problems.append("frame \(row) at byte \(index.byteOffsets[row]) fails its checks (seconds \(String(format: "%.3f", Double(index.firstSamples[row]) / rate))-\(String(format: "%.3f", Double(index.firstSamples[row] + index.sampleCounts[row]) / rate)))")
            }
        }
        return problems
    }

    public func openRecording(_ group: ZarrGroup) throws(CodecError) -> any CodecCore.RecordingReader {
        try openWavPackRecording(group)
    }

    /// The recording in `group` with its concrete reader type.
    public func openWavPackRecording(_ group: ZarrGroup) throws(CodecError) -> WavPack.RecordingReader {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let index = try WavPack.FrameIndex.load(from: group)
        let facts = group.attributes[RecordingLayout.attributeKey]
        guard let rate = facts?["sample_rate"]?.intValue, rate > 0, let bits = facts?["bits_per_sample"]?.intValue else {
            throw CodecError(.corrupt, "the recording's attributes lack its sample rate or bit depth", codec: Self.codecID, file: group.path)
        }
        return WavPack.RecordingReader(blob: blob, index: index, sampleRate: rate, bitsPerSample: bits, isFloat: facts?["sample_format"] == "float")
    }

    /// Builds the frame index of `blob` without storing it.
    public func buildIndex(of blob: BlobReader, options: IndexOptions) async throws(CodecError) -> (WavPack.FrameIndex, IndexReport) {
        let indexer = ParallelIndexer<WavPack.BlockScanner, WavPack.BlockParser, WavPack.FrameSequencer>(
            scanner: WavPack.BlockScanner(), parser: WavPack.BlockParser(), rangeBytes: blob.alignedRangeBytes(options.rangeBytes), workers: options.workers)
        let first = try blob.read(0..<Int64(WavPack.BlockHeader.length))
        let start: Int64? = first.withUnsafeBytes { raw in
            if case .success(let header) = WavPack.BlockHeader.parse(raw), first.starts(with: Array("wvpk".utf8)) { return header.blockIndex }
            return nil
        }
        let outcome = try await indexer.run(over: blob, from: 0, accumulator: WavPack.FrameSequencer(streamStart: start))
        let index = outcome.index
        return (index, IndexReport(entries: index.count, totalSamples: index.totalSamples, rejected: outcome.rejectedByDescription, scannedBytes: blob.length))
    }

    /// What libwavpack says of the stream, from its first frame.
    private static func streamFormat(blob: BlobReader, index: WavPack.FrameIndex) throws(CodecError)
        -> (sampleRate: Int, bitsPerSample: Int, isFloat: Bool, isLossless: Bool, isHybrid: Bool, declaredTotal: Int64?)
    {
        let bytes = try blob.read(index.byteOffsets[0]..<index.byteOffsets[0] + index.frameSizes[0])
        let header = bytes.withUnsafeBytes { WavPack.BlockHeader.parse($0) }
        if case .success(let first) = header, first.isDSD {
            throw CodecError(.unsupported, "DSD (1-bit) WavPack streams are not supported", codec: codecID, file: blob.array.path)
        }
        let decoder = try WavPack.FrameDecoder(frames: bytes)
        let declared: Int64? = if case .success(let first) = header { first.totalSamples } else { nil }
        return (decoder.sampleRate, decoder.bitsPerSample, decoder.isFloat, decoder.isLossless, decoder.isHybrid, declared)
    }

    /// Encodes all of `reader` into `writer`; returns the encoding description and warnings.
    private func encode(_ reader: PCMFileReader, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        let asFloat = reader.encoding != .integer
        guard reader.encoding != .float || reader.bitsPerSample <= 32 else {
            throw CodecError(.unsupported, "\(reader.bitsPerSample)-bit float samples: WavPack keeps 32-bit floats, and this import does not round them silently. Convert the file to 32-bit float first (for example `sox in.wav -e floating-point -b 32 out.wav`), or import it with the Opus codec (lossy)", codec: WavPack.codecID, file: reader.path)
        }
        let mode = options.choice("mode", of: Self.self)
        let settings = StreamEncoder.Settings(
            sampleRate: reader.sampleRate, channelCount: reader.channelCount, bitsPerSample: asFloat ? 32 : reader.bitsPerSample,
            isFloat: asFloat, totalSamplesEstimate: reader.declaredFrames, modeFlags: StreamEncoder.modes[mode] ?? 0)
        // The parameters are checked (and refused with their reason) before any sample is read.
        _ = try StreamEncoder(settings: settings)
        let (frames, encodedFrames) = try WavPack.ParallelStreamEncoder(settings: settings, workers: options.workers).encode(reader, into: writer)
        guard frames > 0 else {
            throw CodecError(.unsupported, "the file holds no samples, and WavPack writes no block for an empty stream: import it with --codec flac, which keeps an empty recording", codec: WavPack.codecID, file: reader.path)
        }
        var warnings: [String] = []
        if let shortfall = reader.shortfallWarning(read: frames) { warnings.append(shortfall) }
        if reader.encoding == .lossy {
            warnings.append("\(reader.encodingName) is lossy; its decode is stored as 32-bit floats at its own level, losslessly from there")
        }
        let encoding: [String: JSONValue] = [
            "library": .string("libwavpack " + WavPackLibrary.version), "mode": .string(mode), "sample_format": .string(asFloat ? "float" : "int"),
            "decoded_from_lossy": .bool(reader.encoding == .lossy),
        ]
        return WrittenStream(copiedVerbatim: false, encoding: encoding, warnings: warnings, encodedFrames: encodedFrames)
    }

    /// The index of a stream this import encoded, from the encoder's blocks
    /// (``WavPack/ParallelStreamEncoder``), when they cover the blob exactly; nil otherwise
    /// (then the blob is scanned). The channel count is the first frame's, as libwavpack decodes it.
    func encodersIndex(of blob: BlobReader, written: WrittenStream) throws(CodecError) -> (WavPack.FrameIndex, IndexReport)? {
        guard !written.copiedVerbatim, let frames = written.encodedFrames, frames.count > 0, frames.isContiguous(from: 0, to: blob.length) else { return nil }
        var index = WavPack.FrameIndex()
        index.byteOffsets = frames.byteOffsets
        index.frameSizes = frames.sizes
        index.firstSamples = frames.firstSamples
        index.sampleCounts = zip(frames.firstSamples, frames.firstSamples.dropFirst() + [frames.totalSamples]).map { $1 - $0 }
        index.totalSamples = frames.totalSamples
        index.channelCount = try WavPack.FrameDecoder(frames: try blob.read(index.byteOffsets[0]..<index.byteOffsets[0] + index.frameSizes[0])).channelCount
        return (index, IndexReport(entries: index.count, totalSamples: index.totalSamples, rejected: [:], scannedBytes: 0))
    }
}
