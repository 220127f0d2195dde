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
        /// Decoded samples run before the requested start.
        public var preRoll: PreRoll
        let decoders: DecoderPool

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

        /// Samples of pre-roll an extraction starting at `start` decodes (the chosen pre-roll,
        /// shorter near the stream start).
        public func preRollUsed(before start: Int64) throws(CodecError) -> Int64 {
            let plan = try decodePlan(for: start..<min(totalSamples, start + 1))
            return plan.start - max(0, plan.decodeFrom)
        }

        /// A packet and where its samples fall, in decoded samples from the stream start.
        private struct TimedPacket {
            let bytes: ArraySlice<UInt8>
            let pageOffset: Int64
            let position: Int64
            let end: Int64
        }

        /// What to decode for `range`: the packets from the pre-roll to the end, and the
        /// positions (decoded samples from the stream start, pre-skip included).
        private struct DecodePlan {
            let packets: [TimedPacket]
            let decodeFrom: Int64
            let start: Int64
            let end: Int64
        }

        /// Where to start decoding for `range`, trying the ways ``PreRoll`` lists in order.
        private func decodePlan(for range: Range<Int64>) throws(CodecError) -> DecodePlan {
            let start = range.lowerBound + timing.preSkip, end = range.upperBound + timing.preSkip
            let streams = head.streamCount
            // The short pre-rolls, shortest first, each with what its packets must be.
            let shortCases: [(length: Int64, qualifies: (ArraySlice<UInt8>) -> Bool)] = [
                (preRoll.independent, { Opus.isIndependentCELT($0, streamCount: streams) }),
                (preRoll.celtOnly, { Opus.isCELTOnly($0, streamCount: streams) }),
            ].filter { $0.length < preRoll.other }
            if let longest = shortCases.map(\.length).max() {
                let packets = try packets(from: start - longest, to: end)
                for (length, qualifies) in shortCases.sorted(by: { $0.length < $1.length }) {
                    let decodeFrom = start - length
                    if packets.lazy.filter({ $0.end > decodeFrom && $0.position < start }).allSatisfy({ qualifies($0.bytes) }) {
                        return DecodePlan(packets: packets, decodeFrom: decodeFrom, start: start, end: end)
                    }
                }
            }
            let packets = try packets(from: start - max(preRoll.other, preRoll.syncLookBack), to: end)
            if preRoll.syncLookBack > 0, let sync = lastModeSwitch(in: packets, before: start) {
                return DecodePlan(packets: packets, decodeFrom: packets[sync].position, start: start, end: end)
            }
            return DecodePlan(packets: packets, decodeFrom: start - preRoll.other, start: start, end: end)
        }

        /// The index of the packet to start decoding from so that every stream has passed a
        /// switch between CELT-only and SILK or hybrid packets (or the stream start) that ends
        /// by `start`; `nil` if some stream has none in `packets`.
        private func lastModeSwitch(in packets: [TimedPacket], before start: Int64) -> Int? {
            let streams = head.streamCount
            // Per stream, the packet before its latest switch.
            var syncs: [Int?] = Array(repeating: packets.first?.position == 0 ? 0 : nil, count: streams)
            var previous = packets.first.map { Opus.streamUsesCELTOnly($0.bytes, streamCount: streams) } ?? []
            for t in packets.indices.dropFirst() where packets[t].end <= start {
                let current = Opus.streamUsesCELTOnly(packets[t].bytes, streamCount: streams)
                for s in 0..<streams {
                    if let before = previous[s], let now = current[s], before != now { syncs[s] = t - 1 }
                }
                previous = current
            }
            guard syncs.allSatisfy({ $0 != nil }) else { return nil }
            return syncs.compactMap { $0 }.min()
        }

        /// The packets that cover `decodeFrom..<end` (decoded samples from the stream start),
        /// with their positions, read in one piece from the blob.
        private func packets(from decodeFrom: Int64, to end: Int64) throws(CodecError) -> [TimedPacket] {
            // The last page whose first packet starts at or before `decodeFrom`; pages inside the
            // pre-skip (first_sample 0) resolve to the stream's first audio page.
            var first = 0
            var low = 0, high = rows.count - 1
            while low <= high {
                let mid = (low + high) / 2
                if rows[mid].firstSample > 0 && rows[mid].firstSample + timing.preSkip <= decodeFrom { first = mid; low = mid + 1 } else { high = mid - 1 }
            }
            // Through the page after the one where the range ends (packets may continue).
            var last = rows.count - 1
            for r in first..<rows.count where rows[r].firstSample + timing.preSkip >= end {
                last = min(rows.count - 1, r + 1)
                break
            }
            let readEnd = last == rows.count - 1 ? blob.length : rows[last].offset + rows[last].size
            var walker = Ogg.PacketWalker(bytes: try blob.read(rows[first].offset..<readEnd), baseOffset: rows[first].offset)
            var position = first == 0 ? 0 : rows[first].firstSample + timing.preSkip
            var packets: [TimedPacket] = []
            while position < end, let (bytes, pageOffset) = try walker.next() {
                guard let duration = Opus.packetDuration(bytes).map({ timing.decodeSamples(Int64($0)) }) else {
                    throw CodecError(.corrupt, "malformed Opus packet (TOC 0x\(String(bytes.first ?? 0, radix: 16)))", codec: Opus.codecID, file: blob.array.path, byteOffset: pageOffset)
                }
                packets.append(TimedPacket(bytes: bytes, pageOffset: pageOffset, position: position, end: position + duration))
                position += duration
            }
            guard position >= end else {
                throw CodecError(.corrupt, "the stream ends (or is damaged) before sample \(end - timing.preSkip)", codec: Opus.codecID, file: blob.array.path)
            }
            return packets
        }
    }
}
