import AudioInput
import CodecCore
import ZarrStore

/// A codec plugin written against zarrwlr's public API only: framed uncompressed PCM
/// (``FramedPCM``). Its import is the shared template (``TemplatedImport``): it copies a framed
/// PCM file 1:1 or encodes integer PCM from any file libsndfile reads (AudioInput), indexes the
/// stream with the shared ``ParallelIndexer``, and extracts ranges by reading only the frames
/// that hold them.
public struct FramedPCMBackend: TemplatedImport {
    public static let codecID = FramedPCM.codecID
    public static let probe = ProbeSpec(extensions: ["zpcm"], signatures: [.init([(0, FramedPCM.streamMagic)])])
    public static let maximumChannels = 64
    static let samplesPerFrame = 4096
    static let indexRole = "index", indexName = "framed_pcm_index", columns = ["byte_offset", "frame_size", "first_sample", "samples"]

    public init() {}

    public func writeStream(from source: ImportSource, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        if try hasOwnSignature(source) { return try copyVerbatim(source, into: writer, container: "framed PCM") }
        try Self.encode(try source.pcmReader(), into: writer)
        return WrittenStream(copiedVerbatim: false, encoding: ["frame_samples": .int(Int64(Self.samplesPerFrame))])
    }

    public func indexStream(
        _ blob: BlobReader, written: WrittenStream, source: ImportSource, in group: ZarrGroup, options: ImportOptions
    ) async throws(CodecError) -> IndexedStream {
        let header = try Self.streamHeader(of: blob)
        let (index, report) = try await buildIndex(of: blob, header: header, options: options.workers)
        try IndexTable.write(Self.values(index), columns: Self.columns, attributes: ["total_samples": .int(index.totalSamples)],
                             dimensionNames: ["frame", "field"], named: Self.indexName, in: group, codec: Self.codecID)
        let description = RecordingDescription(
            codec: Self.codecID, sampleRate: header.sampleRate, channelCount: header.channels, bitsPerSample: header.bitsPerSample,
            totalSamples: index.totalSamples, arrays: ["index": Self.indexName])
        return IndexedStream(description: description, index: report)
    }

    public func buildIndex(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> IndexReport {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (index, report) = try await buildIndex(of: blob, header: try Self.streamHeader(of: blob), options: options.workers, rangeBytes: options.rangeBytes)
        try IndexTable.replace(role: Self.indexRole, defaultName: Self.indexName, with: Self.values(index), columns: Self.columns,
                               attributes: ["total_samples": .int(index.totalSamples)], dimensionNames: ["frame", "field"], in: group, codec: Self.codecID)
        return report
    }

    public func storedIndexMatches(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> Bool {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (fresh, _) = try await buildIndex(of: blob, header: try Self.streamHeader(of: blob), options: options.workers, rangeBytes: options.rangeBytes)
        return try Self.load(group) == fresh
    }

    public func damagedRegions(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> [String] {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let header = try Self.streamHeader(of: blob)
        var problems: [String] = []
        for frame in try Self.load(group).frames {
            let bytes = try blob.read(frame.offset..<frame.offset + Int64(frame.size))
            let verdict = bytes.withUnsafeBytes { FramedPCM.Parser(stream: header).parse($0, at: frame.offset) }
            if case .accept = verdict { continue }
            problems.append("frame at byte \(frame.offset) fails its CRC-32")
        }
        return problems
    }

    public func openRecording(_ group: ZarrGroup) throws(CodecError) -> any RecordingReader {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        return FramedPCMReader(blob: blob, header: try Self.streamHeader(of: blob), index: try Self.load(group))
    }

    // MARK: Helpers

    private func buildIndex(of blob: BlobReader, header: FramedPCM.StreamHeader, options workers: Int, rangeBytes: Int = 4 << 20) async throws(CodecError) -> (FramedPCM.FrameIndex, IndexReport) {
        let indexer = ParallelIndexer<FramedPCM.Scanner, FramedPCM.Parser, FramedPCM.Sequencer>(
            scanner: FramedPCM.Scanner(), parser: FramedPCM.Parser(stream: header), rangeBytes: blob.alignedRangeBytes(rangeBytes), workers: workers)
        let outcome = try await indexer.run(over: blob, from: Int64(FramedPCM.streamHeaderBytes), accumulator: FramedPCM.Sequencer())
        let index = outcome.index
        return (index, IndexReport(entries: index.frames.count, totalSamples: index.totalSamples, rejected: outcome.rejectedByDescription, scannedBytes: blob.length))
    }

    private static func streamHeader(of blob: BlobReader) throws(CodecError) -> FramedPCM.StreamHeader {
        guard let header = FramedPCM.StreamHeader(parsing: try blob.read(0..<Int64(FramedPCM.streamHeaderBytes))) else {
            throw CodecError(.unrecognized, "the blob does not start with a framed PCM stream header", codec: codecID, file: blob.array.path)
        }
        return header
    }

    private static func values(_ index: FramedPCM.FrameIndex) -> [UInt64] {
        index.frames.flatMap { [UInt64($0.offset), UInt64($0.size), UInt64($0.firstSample), UInt64($0.samples)] }
    }

    private static func load(_ group: ZarrGroup) throws(CodecError) -> FramedPCM.FrameIndex {
        let table = try IndexTable.read(role: indexRole, defaultName: indexName, columns: 4, in: group, codec: codecID)
        var index = FramedPCM.FrameIndex()
        for row in 0..<table.rows {
            index.frames.append(FramedPCM.Frame(
                offset: try table.value(row, 0, columns: 4), size: Int(try table.value(row, 1, columns: 4)),
                firstSample: try table.value(row, 2, columns: 4), samples: Int(try table.value(row, 3, columns: 4))))
        }
        index.totalSamples = Int64(table.attributes["total_samples"]?.intValue ?? 0)
        return index
    }

    private static func write(_ bytes: [UInt8], to writer: BlobWriter) throws(CodecError) {
        var failure: CodecError?
        bytes.withUnsafeBytes { raw in
            do throws(CodecError) { try writer.write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private static func encode(_ reader: PCMFileReader, into writer: BlobWriter) throws(CodecError) {
        guard reader.encoding == .integer, [16, 24, 32].contains(reader.bitsPerSample), reader.channelCount <= maximumChannels else {
            throw CodecError(.unsupported, "framed PCM stores 16, 24 or 32-bit integers in up to \(maximumChannels) channels", codec: codecID, file: reader.path)
        }
        let header = FramedPCM.StreamHeader(sampleRate: reader.sampleRate, channels: reader.channelCount, bitsPerSample: reader.bitsPerSample)
        try write(header.bytes, to: writer)
        var samples: [Int32] = []
        var first: UInt64 = 0
        while true {
            let frames = try reader.read(maxFrames: samplesPerFrame, into: &samples)
            if frames == 0 { break }
            var payload: [UInt8] = []
            payload.reserveCapacity(samples.count * header.bytesPerSample)
            for value in samples { for k in 0..<header.bytesPerSample { payload.append(UInt8(truncatingIfNeeded: value >> (8 * k))) } }
            let frame = FramedPCM.frameMagic + FramedPCM.le64(first) + FramedPCM.le32(UInt32(frames)) + FramedPCM.le32(FramedPCM.crc32(payload)) + payload
            try write(frame, to: writer)
            first += UInt64(frames)
        }
    }
}

/// Extraction: the frames covering a range, read in one piece, their samples unpacked.
struct FramedPCMReader: RecordingReader {
    let blob: BlobReader
    let header: FramedPCM.StreamHeader
    let index: FramedPCM.FrameIndex

    var totalSamples: Int64 { index.totalSamples }
    var sampleRate: Int { header.sampleRate }
    var channelCount: Int { header.channels }
    var bitsPerSample: Int { header.bitsPerSample }

    func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
        guard range.lowerBound >= 0, range.upperBound <= totalSamples else {
            throw CodecError(.invalidArgument, "samples \(range) are outside the recording (0..<\(totalSamples))", codec: FramedPCM.codecID)
        }
        var native: [Int32] = []
        native.reserveCapacity(range.count * channelCount)
        var cursor = range.lowerBound
        // The last frame starting at or before the range start, then on while frames overlap it.
        var low = 0, high = index.frames.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if index.frames[mid].firstSample <= range.lowerBound { low = mid } else { high = mid - 1 }
        }
        var row = low
        while cursor < range.upperBound {
            guard row < index.frames.count, index.frames[row].firstSample <= cursor, cursor < index.frames[row].firstSample + Int64(index.frames[row].samples) else {
                throw CodecError(.corrupt, "sample \(cursor) lies in a damaged frame that the index leaves out", codec: FramedPCM.codecID, file: blob.array.path)
            }
            let frame = index.frames[row]
            let bytes = try blob.read(frame.offset + Int64(FramedPCM.frameHeaderBytes)..<frame.offset + Int64(frame.size))
            let width = header.bytesPerSample, shift = 32 - header.bitsPerSample
            let from = Int(cursor - frame.firstSample), to = Int(min(range.upperBound, frame.firstSample + Int64(frame.samples)) - frame.firstSample)
            for k in (from * channelCount)..<(to * channelCount) {
                let value = (0..<width).reduce(UInt32(0)) { $0 | UInt32(bytes[k * width + $1]) << (8 * $1) }
                native.append(Int32(bitPattern: value << shift) >> shift)
            }
            cursor += Int64(to - from)
            row += 1
        }
        return PCMBuffer.converting(native, to: format, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
    }
}
