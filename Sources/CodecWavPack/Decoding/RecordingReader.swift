import CodecCore
import ZarrStore

extension WavPack {
    /// An opened WavPack recording: the frame index in memory, the blob in the store. An
    /// extraction finds the frames covering the range by binary search, reads exactly their
    /// bytes, and decodes them with a libwavpack decoder of its own.
    public struct RecordingReader: CodecCore.RecordingReader {
        public let blob: BlobReader
        public let index: FrameIndex
        public let sampleRate: Int
        public let bitsPerSample: Int
        /// Samples are 32-bit IEEE floats (extracted as float32; int formats scale them).
        public let isFloat: Bool

        public var totalSamples: Int64 { index.totalSamples }
        public var channelCount: Int { index.channelCount }

        public func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
            let native = try decodedSamples(range)
            guard isFloat else {
                return PCMBuffer.converting(native, to: format, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
            }
            let floats = native.map { Float(bitPattern: UInt32(bitPattern: $0)) }
            return PCMBuffer.quantising(floats, to: format, integerBits: 32, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: 32)
        }

        public func extract(_ range: Range<Int64>, as format: SampleFormat, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
            guard isFloat else {
                return try PCMBuffer.write(try decodedSamples(range), as: format, bitsPerSample: bitsPerSample, into: destination)
            }
            try extract(range, as: format).copy(into: destination)
        }

        /// The blob bytes of the whole frames that hold `range` (non-empty, inside the recording).
        public func frameBytes(covering range: Range<Int64>) -> Range<Int64> {
            let first = index.frame(containing: range.lowerBound), last = index.frame(containing: range.upperBound - 1)
            return index.byteOffsets[first]..<index.byteOffsets[last] + index.frameSizes[last]
        }

        /// The samples of `range` as libwavpack returns them (integers, or float bit patterns).
        public func extractNative(_ range: Range<Int64>) throws(CodecError) -> [Int32] {
            Array(try decodedSamples(range))
        }

        /// The samples of `range` as libwavpack returns them, a slice of the decoded frames (no copy).
        private func decodedSamples(_ range: Range<Int64>) throws(CodecError) -> ArraySlice<Int32> {
            guard range.lowerBound >= 0, range.upperBound <= totalSamples else {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(totalSamples))", codec: WavPack.codecID)
            }
            guard !range.isEmpty, index.count > 0 else { return [] }
            let first = index.frame(containing: range.lowerBound)
            let last = index.frame(containing: range.upperBound - 1)
            // Frames cover [first_sample, first_sample + samples); a gap left by damage is an error, not silence.
            for row in first...last where row > first && index.firstSamples[row] != index.firstSamples[row - 1] + index.sampleCounts[row - 1]
                || row == first && range.lowerBound >= index.firstSamples[row] + index.sampleCounts[row] {
                throw CodecError(.corrupt, "samples near \(index.firstSamples[row]) (second \(String(format: "%.3f", Double(index.firstSamples[row]) / Double(sampleRate)))) lie in a damaged stretch that the index leaves out", codec: WavPack.codecID, file: blob.array.path, byteOffset: index.byteOffsets[row])
            }
            let bytes = try blob.read(index.byteOffsets[first]..<index.byteOffsets[last] + index.frameSizes[last])
            let skip = Int(range.lowerBound - index.firstSamples[first])
            let decoder: FrameDecoder
            do throws(CodecError) {
                decoder = try FrameDecoder(frames: bytes)
                guard decoder.channelCount == channelCount else {
                    throw CodecError(.corrupt, "the frames decode as \(decoder.channelCount) channels, the recording has \(channelCount)", codec: WavPack.codecID)
                }
                let decoded = try decoder.decode(skip + Int(range.count))
                return decoded[(skip * channelCount)...]
            } catch {
                throw CodecError(error.code, error.message, codec: WavPack.codecID, file: blob.array.path, byteOffset: index.byteOffsets[first])
            }
        }
    }
}
