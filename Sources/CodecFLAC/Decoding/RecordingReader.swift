import CodecCore
import ZarrStore

extension FLAC {
    /// An opened FLAC recording: its index and stream preamble in memory, the blob in the store.
    /// An extraction locates the frames covering the range by binary search, reads just their
    /// bytes, and decodes them with a libFLAC decoder of its own (so extractions can run in parallel).
    public struct RecordingReader: CodecCore.RecordingReader {
        public let blob: BlobReader
        public let index: FrameIndex
        public let chain: MetadataChain

        public var totalSamples: Int64 { index.totalSamples }
        public var sampleRate: Int { chain.streamInfo.sampleRate }
        public var channelCount: Int { chain.streamInfo.channelCount }
        public var bitsPerSample: Int { chain.streamInfo.bitsPerSample }

        public init(blob: BlobReader, index: FrameIndex, chain: MetadataChain) {
            self.blob = blob
            self.index = index
            self.chain = chain
        }

        public func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
            let native = try extractNative(range)
            return PCMBuffer.converting(native, to: format, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
        }

        /// The samples of `range` at their native integer values.
        public func extractNative(_ range: Range<Int64>) throws(CodecError) -> [Int32] {
            guard range.lowerBound >= 0, range.upperBound <= totalSamples else {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(totalSamples))", codec: FLAC.codecID)
            }
            guard !range.isEmpty, index.count > 0 else { return [] }
            let first = index.frame(containing: range.lowerBound)
            let last = index.frame(containing: range.upperBound - 1)
            let bytes = try blob.read(index.byteOffsets[first]..<index.byteOffsets[last] + index.frameSizes[last])
            let decoded: (samples: [Int32], blockSizes: [Int])
            do {
                decoded = try FrameDecoder().decode(preamble: chain.decoderPreamble, frames: bytes, channels: channelCount)
            } catch {
                throw CodecError(error.code, error.message, codec: FLAC.codecID, file: blob.array.path, byteOffset: index.byteOffsets[first])
            }
            // Each decoded frame must hold what the index says; a shortfall means a damaged frame
            // was left out of the index and its samples are missing.
            for (k, size) in decoded.blockSizes.enumerated() where Int64(size) != index.sampleCount(ofFrame: first + k) {
                let row = first + k
                throw CodecError(.corrupt, "frame at sample \(index.firstSamples[row]) decodes to \(size) samples, the index expects \(index.sampleCount(ofFrame: row)) (a damaged frame is missing)", codec: FLAC.codecID, file: blob.array.path, byteOffset: index.byteOffsets[row])
            }
            guard decoded.blockSizes.count == last - first + 1 else {
                throw CodecError(.corrupt, "decoded \(decoded.blockSizes.count) frames, \(last - first + 1) expected", codec: FLAC.codecID, file: blob.array.path, byteOffset: index.byteOffsets[first])
            }
            let skip = Int(range.lowerBound - index.firstSamples[first]) * channelCount
            return Array(decoded.samples[skip..<skip + Int(range.count) * channelCount])
        }
    }
}
