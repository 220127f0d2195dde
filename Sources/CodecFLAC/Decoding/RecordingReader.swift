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

        /// The blob bytes of the whole frames that hold `range` (non-empty, inside the recording).
        public func frameBytes(covering range: Range<Int64>) -> Range<Int64> {
            let first = index.frame(containing: range.lowerBound)
            let last = index.frame(containing: range.upperBound - 1)
            return index.byteOffsets[first]..<index.byteOffsets[last] + index.frameSizes[last]
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
            // Frames cover [firstSample, firstSample + decoded block size). A damaged frame left out
            // of the index leaves a gap; asking for samples in it is an error, not silence.
            var output: [Int32] = []
            output.reserveCapacity(Int(range.count) * channelCount)
            var cursor = range.lowerBound
            var frameStart = 0
            for (k, blockSize) in decoded.blockSizes.enumerated() {
                let row = first + k
                let span = index.firstSamples[row]..<index.firstSamples[row] + Int64(blockSize)
                defer { frameStart += blockSize * channelCount }
                guard span.upperBound > cursor else { continue }
                guard span.lowerBound <= cursor else { break }
                let take = min(span.upperBound, range.upperBound) - cursor
                let from = frameStart + Int(cursor - span.lowerBound) * channelCount
                output.append(contentsOf: decoded.samples[from..<from + Int(take) * channelCount])
                cursor += take
                if cursor == range.upperBound { break }
            }
            guard cursor == range.upperBound else {
                let rate = Double(sampleRate)
                throw CodecError(.corrupt, "samples \(cursor)..<\(range.upperBound) (seconds \(String(format: "%.3f", Double(cursor) / rate))-\(String(format: "%.3f", Double(range.upperBound) / rate))) lie in a damaged frame that the index leaves out", codec: FLAC.codecID, file: blob.array.path, byteOffset: index.byteOffsets[index.frame(containing: cursor)])
            }
            return output
        }
    }
}
