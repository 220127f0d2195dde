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
            PCMBuffer.converting(try decodedSamples(range), to: format, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
        }

        public func extract(_ range: Range<Int64>, as format: SampleFormat, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
            try PCMBuffer.write(try decodedSamples(range), as: format, bitsPerSample: bitsPerSample, into: destination)
        }

        /// The blob bytes of the whole frames that hold `range` (non-empty, inside the recording).
        public func frameBytes(covering range: Range<Int64>) -> Range<Int64> {
            let first = index.frame(containing: range.lowerBound)
            let last = index.frame(containing: range.upperBound - 1)
            return index.byteOffsets[first]..<index.byteOffsets[last] + index.frameSizes[last]
        }

        /// The samples of `range` at their native integer values.
        public func extractNative(_ range: Range<Int64>) throws(CodecError) -> [Int32] {
            Array(try decodedSamples(range))
        }

        /// The samples of `range` at their native values, as a slice of the decoded frames (no copy).
        private func decodedSamples(_ range: Range<Int64>) throws(CodecError) -> ArraySlice<Int32> {
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
            // Frame k decoded covers [firstSamples[first + k], + its block size). The range is
            // served by consecutive frames, which lie one after another in `decoded.samples`; a
            // damaged frame left out of the index leaves a gap, and asking for samples in it is an
            // error, not silence.
            let start = index.firstSamples[first]
            var covered = start, k = 0
            while covered < range.upperBound, k < decoded.blockSizes.count, first + k < index.count, index.firstSamples[first + k] == covered {
                covered += Int64(decoded.blockSizes[k])
                k += 1
            }
            guard range.lowerBound >= start, covered >= range.upperBound else {
                let cursor = max(covered, range.lowerBound), rate = Double(sampleRate)
                throw CodecError(.corrupt, "samples \(cursor)..<\(range.upperBound) (seconds \(String(format: "%.3f", Double(cursor) / rate))-\(String(format: "%.3f", Double(range.upperBound) / rate))) lie in a damaged frame that the index leaves out", codec: FLAC.codecID, file: blob.array.path, byteOffset: index.byteOffsets[index.frame(containing: cursor)])
            }
            let from = Int(range.lowerBound - start) * channelCount
            return decoded.samples[from..<from + Int(range.count) * channelCount]
        }
    }
}
