import CodecCore
import ZarrStore

extension Opus {
    /// An opened Opus recording. Extraction decodes from a packet at least a pre-roll before the
    /// requested start (so the decoder has converged), skips the pre-roll, and returns exactly
    /// the requested samples, aligned with a continuous decode of the stream.
    public struct RecordingReader: CodecCore.RecordingReader {
        public let blob: BlobReader
        public let head: Head
        public let timing: Timing
        public let rows: [(offset: Int64, size: Int64, firstSample: Int64)]
        public let totalSamples: Int64
        /// The recording's own rate (reported with extracted samples).
        public let sampleRate: Int
        /// How far before the requested start decoding begins (chosen per extraction).
        public var preRoll: PreRoll
        let decoders: DecoderPool
        /// Measured restarts of a stream with SILK or hybrid packets (empty for CELT-only streams).
        public var restartPoints: [RestartPoint] = []

        public var channelCount: Int { head.channelCount }
        /// Opus carries no bit depth; `int32` extraction gives 16-bit values.
        public var bitsPerSample: Int { 16 }

        public func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
            PCMBuffer.quantising(try extractFloat(range), to: format, integerBits: 16, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: 16)
        }

        /// Decoded samples of `range`, interleaved, as floats (full scale -1...1).
        public func extractFloat(_ range: Range<Int64>) throws(CodecError) -> [Float] {
            guard range.lowerBound >= 0, range.upperBound <= totalSamples else {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(totalSamples))", codec: Opus.codecID)
            }
            guard !range.isEmpty, !rows.isEmpty else { return [] }
            let plan = try decodePlan(for: range)
            return try decoders.withDecoder { decoder throws(CodecError) in
                let channels = channelCount
                let wanted = range.count * channels
                // Packets that start inside the range decode straight into the output, which has
                // room for the last one's overshoot; the one across the start goes via scratch.
                return try [Float](unsafeUninitializedCapacity: wanted + decoder.maximumSamples) { buffer, written throws(CodecError) in
                    for packet in plan.packets where packet.end > plan.decodeFrom {
                        if packet.position >= plan.start {
                            let frames = try decoder.decode(packet.bytes, at: packet.pageOffset, into: UnsafeMutableBufferPointer(rebasing: buffer[written...]))
                            written = min(wanted, written + frames * channels)
                            continue
                        }
                        let decoded = try decoder.decode(packet.bytes, at: packet.pageOffset)
                        let skip = Int(min(plan.start - packet.position, Int64(decoded.count / channels))) * channels
                        let take = min(decoded.count - skip, wanted - written)
                        guard take > 0 else { continue }
                        _ = UnsafeMutableBufferPointer(rebasing: buffer[written..<written + take])
                            .initialize(from: decoded[(decoded.startIndex + skip)...].prefix(take))
                        written += take
                    }
                }
            }
        }

        /// How an extraction that starts at `start` gets the decoder into the continuous decode's
        /// state: the samples it decodes before `start` and why.
        public func preRollChoice(before start: Int64) throws(CodecError) -> PreRoll.Choice {
            let plan = try decodePlan(for: start..<min(totalSamples, start + 1))
            return PreRoll.Choice(samples: plan.start - max(0, plan.decodeFrom), reason: plan.reason)
        }
    }
}
