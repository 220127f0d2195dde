import CodecCore
import ZarrStore

extension Opus {
    /// An opened Opus recording. Extraction decodes from a page at least ``preRoll`` samples
    /// before the requested start (so the decoder has converged), skips the pre-roll, and
    /// returns exactly the requested samples, aligned with a continuous decode of the stream.
    public struct RecordingReader: CodecCore.RecordingReader {
        public let blob: BlobReader
        public let head: Head
        public let timing: Timing
        public let rows: [(offset: Int64, size: Int64, firstSample: Int64)]
        public let totalSamples: Int64
        /// The recording's own rate (reported with extracted samples).
        public let sampleRate: Int
        /// Decoded samples run before the requested start.
        public var preRoll: Int64

        public var channelCount: Int { head.channelCount }
        /// Opus carries no bit depth; `int32` extraction gives 16-bit values.
        public var bitsPerSample: Int { 16 }

        public func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
            let samples = try extractFloat(range)
            let converted: PCMBuffer.Samples
            switch format {
            case .float32: converted = .float32(samples)
            case .int16: converted = .int16(samples.map { Int16(max(-32768, min(32767, ($0 * 32768).rounded()))) })
            case .int32: converted = .int32(samples.map { Int32(max(-32768, min(32767, ($0 * 32768).rounded()))) })
            }
            return PCMBuffer(samples: converted, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: 16)
        }

        /// Decoded samples of `range`, interleaved, as floats (full scale -1...1).
        public func extractFloat(_ range: Range<Int64>) throws(CodecError) -> [Float] {
            guard range.lowerBound >= 0, range.upperBound <= totalSamples else {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(totalSamples))", codec: Opus.codecID)
            }
            guard !range.isEmpty, !rows.isEmpty else { return [] }
            // Positions in decoded samples from the stream start, pre-skip included.
            let start = range.lowerBound + timing.preSkip, end = range.upperBound + timing.preSkip
            // The last page whose first packet starts at least `preRoll` before `start`; pages
            // inside the pre-skip (first_sample 0) resolve to the stream's first audio page.
            var first = 0
            var low = 0, high = rows.count - 1
            while low <= high {
                let mid = (low + high) / 2
                if rows[mid].firstSample > 0 && rows[mid].firstSample + timing.preSkip <= start - preRoll { first = mid; low = mid + 1 } else { high = mid - 1 }
            }
            var position = first == 0 ? 0 : rows[first].firstSample + timing.preSkip
            // Read through the page after the one where the range ends (packets may continue).
            var last = rows.count - 1
            for r in first..<rows.count where rows[r].firstSample + timing.preSkip >= end {
                last = min(rows.count - 1, r + 1)
                break
            }
            let readEnd = last == rows.count - 1 ? blob.length : rows[last].offset + rows[last].size
            var walker = Ogg.PacketWalker(bytes: try blob.read(rows[first].offset..<readEnd), baseOffset: rows[first].offset)
            let decoder = try PacketDecoder(head: head, decodeRate: timing.decodeRate)
            let channels = Int64(channelCount)
            var output: [Float] = []
            output.reserveCapacity(range.count * channelCount)
            let decodeFrom = start - preRoll
            while position < end, let (packet, pageOffset) = try walker.next() {
                // Packets that end before the pre-roll begins are only counted, not decoded:
                // the decoder starts fresh, so starting later in the page loses nothing.
                if let duration = Opus.packetDuration(Array(packet.prefix(2))).map({ timing.decodeSamples(Int64($0)) }),
                   position + duration <= decodeFrom {
                    position += duration
                    continue
                }
                let decoded = try decoder.decode(packet, at: pageOffset)
                let count = Int64(decoded.count) / channels
                let from = max(start, position), to = min(end, position + count)
                if from < to {
                    let base = decoded.startIndex
                    output.append(contentsOf: decoded[base + Int((from - position) * channels)..<base + Int((to - position) * channels)])
                }
                position += count
            }
            guard position >= end else {
                throw CodecError(.corrupt, "the stream ends (or is damaged) before sample \(range.upperBound)", codec: Opus.codecID, file: blob.array.path)
            }
            return output
        }
    }
}
