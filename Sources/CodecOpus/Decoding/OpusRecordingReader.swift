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
            var samples: [Float] = []
            try extractFloat(range, runFrames: range.count) { samples = $0 }
            return samples
        }

        public func extract(_ range: Range<Int64>, as format: SampleFormat, runFrames: Int, _ body: (PCMBuffer) throws(CodecError) -> Void) throws(CodecError) {
            try extractFloat(range, runFrames: runFrames) { (samples) throws(CodecError) in
                try body(PCMBuffer.quantising(samples, to: format, integerBits: 16, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: 16))
            }
        }

        /// The decoded samples of `range` (interleaved floats, full scale -1...1) handed to
        /// `body` in runs of at most `runFrames` frames, from one decode of the range: a run
        /// does not start a decoder of its own, so the runs together are one extraction's
        /// samples, and memory holds a run and its packets, not the range.
        public func extractFloat(_ range: Range<Int64>, runFrames: Int, _ body: ([Float]) throws(CodecError) -> Void) throws(CodecError) {
            guard range.lowerBound >= 0, range.upperBound <= totalSamples else {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(totalSamples))", codec: Opus.codecID)
            }
            guard !range.isEmpty, !rows.isEmpty else { return }
            let runFrames = Int64(max(1, runFrames))
            let plan = try decodePlan(for: range.lowerBound..<min(range.upperBound, range.lowerBound + runFrames))
            var packets = PacketSequence(reader: self, planned: plan, end: range.upperBound + timing.preSkip, window: runFrames)
            try decoders.withDecoder { (decoder) throws(CodecError) in
                let channels = channelCount
                let wanted = range.count * channels
                var handed = 0
                // Samples decoded past the end of the last run: the next run starts with them.
                var carried: [Float] = []
                while handed < wanted {
                    let count = Int(min(Int64(wanted - handed), runFrames * Int64(channels)))
                    // Packets that start inside the range decode straight into the run, which has
                    // room for the last one's overshoot; the one across the start goes via scratch.
                    let run = try [Float](unsafeUninitializedCapacity: count + decoder.maximumSamples) { buffer, written throws(CodecError) in
                        func put<Samples: Collection<Float>>(_ samples: Samples) {
                            let fits = min(samples.count, count - written)
                            _ = UnsafeMutableBufferPointer(rebasing: buffer[written..<written + fits]).initialize(from: samples.prefix(fits))
                            written += fits
                            carried.append(contentsOf: samples.dropFirst(fits))
                        }
                        let earlier = carried
                        carried = []
                        put(earlier)
                        while written < count, let packet = try packets.next() {
                            if packet.position >= plan.start {
                                let frames = try decoder.decode(packet.bytes, at: packet.pageOffset, into: UnsafeMutableBufferPointer(rebasing: buffer[written...]))
                                let end = written + frames * channels
                                if end > count { carried.append(contentsOf: UnsafeMutableBufferPointer(rebasing: buffer[count..<end])) }
                                written = min(count, end)
                                continue
                            }
                            let decoded = try decoder.decode(packet.bytes, at: packet.pageOffset)
                            let skip = Int(min(plan.start - packet.position, Int64(decoded.count / channels))) * channels
                            put(decoded[(decoded.startIndex + skip)...])
                        }
                    }
                    guard run.count == count else {
                        throw CodecError(.corrupt, "the stream ends (or is damaged) before sample \(range.lowerBound + Int64((handed + run.count) / channels))", codec: Opus.codecID, file: blob.array.path)
                    }
                    handed += count
                    try body(run)
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
