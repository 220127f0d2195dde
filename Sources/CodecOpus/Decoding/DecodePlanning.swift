import CodecCore

extension Opus.RecordingReader {
    /// A packet and where its samples fall, in decoded samples from the stream start.
    struct TimedPacket {
        let bytes: ArraySlice<UInt8>
        let pageOffset: Int64
        let position: Int64
        let end: Int64
    }

    /// What to decode for a range: the packets from the pre-roll to the end, and the positions
    /// (decoded samples from the stream start, pre-skip included).
    struct DecodePlan {
        let packets: [TimedPacket]
        let decodeFrom: Int64
        let start: Int64
        let end: Int64
        let reason: Opus.PreRoll.Reason
    }

    /// The packets to decode, in order: a plan's (from its decode start), then those after
    /// them up to `end`, read from the blob a window of `window` samples at a time.
    struct PacketSequence {
        let reader: Opus.RecordingReader
        let end: Int64
        let window: Int64
        private var packets: [TimedPacket]
        private var index = 0
        /// Where the next packet starts (decoded samples from the stream start).
        private var nextPosition: Int64

        init(reader: Opus.RecordingReader, planned plan: DecodePlan, end: Int64, window: Int64) {
            self.reader = reader
            self.end = end
            self.window = max(1, window)
            packets = plan.packets.filter { $0.end > plan.decodeFrom }
            nextPosition = packets.first?.position ?? plan.decodeFrom
        }

        mutating func next() throws(CodecError) -> TimedPacket? {
            if index == packets.count {
                guard nextPosition < end else { return nil }
                // A window starts on the page holding `nextPosition`: its packets before it were decoded.
                let start = nextPosition
                packets = try reader.packets(from: start, to: min(end, start + window)).filter { $0.position >= start }
                index = 0
                guard packets.first?.position == start else {
                    throw CodecError(.corrupt, "the stream's packets do not continue at sample \(start - reader.timing.preSkip)", codec: Opus.codecID, file: reader.blob.array.path)
                }
            }
            defer { index += 1 }
            nextPosition = packets[index].end
            return packets[index]
        }
    }

    /// Where to start decoding for `range`, trying the ways ``Opus/PreRoll`` lists in order.
    func decodePlan(for range: Range<Int64>) throws(CodecError) -> DecodePlan {
        let start = range.lowerBound + timing.preSkip, end = range.upperBound + timing.preSkip
        func plan(_ packets: [TimedPacket], from decodeFrom: Int64, _ reason: Opus.PreRoll.Reason) -> DecodePlan {
            DecodePlan(packets: packets, decodeFrom: decodeFrom, start: start, end: end, reason: reason)
        }
        let celtCases: [(minimum: Int64, independentOnly: Bool, reason: Opus.PreRoll.Reason)] = [
            (preRoll.independent, true, .independentFrames), (preRoll.celtOnly, false, .celtOnly),
        ].filter { $0.minimum < preRoll.other }
        // CELT pre-rolls: first from the packets of the longest one, then once more from the
        // look-back when runs of transient frames reach further.
        let lookBack = start - max(preRoll.other, preRoll.syncLookBack)
        var reach = celtCases.map(\.minimum).max()
        var packets: [TimedPacket] = []
        while let from = reach {
            packets = try self.packets(from: start - from, to: end)
            var needsEarlierPackets = false
            for (minimum, independentOnly, reason) in celtCases {
                switch celtDecodeStart(in: packets, before: start, minimum: minimum, independentOnly: independentOnly) {
                case .packet(let index):
                    return plan(packets, from: packets[index].position, packets[index].position == 0 ? .streamStart : reason)
                case .needsEarlierPackets: needsEarlierPackets = true
                case .impossible: break
                }
            }
            reach = needsEarlierPackets && preRoll.syncLookBack > 0 && from < start - lookBack ? start - lookBack : nil
        }
        if packets.first.map({ $0.position > max(0, lookBack) }) ?? true {
            packets = try self.packets(from: lookBack, to: end)
        }
        let sync = preRoll.syncLookBack > 0 ? lastModeSwitch(in: packets, before: start) : nil
        if let restart = restartPoints.last(where: { $0.exactFrom <= start }), start - restart.start <= preRoll.exactLookBack,
           sync.map({ packets[$0].position < restart.start }) ?? true {
            let from = restart.start
            return plan(try self.packets(from: from, to: end), from: from, from == 0 ? .streamStart : .restartPoint)
        }
        if let sync {
            return plan(packets, from: packets[sync].position, packets[sync].position == 0 ? .streamStart : .modeSwitch)
        }
        return plan(packets, from: start - preRoll.other, start - preRoll.other <= 0 ? .streamStart : .fixed)
    }

    /// The outcome of looking for a CELT pre-roll.
    enum CELTDecodeStart {
        case packet(Int)
        /// Every frame qualified, but the packets ran out before the pre-roll was long enough.
        case needsEarlierPackets
        /// A frame that does not qualify lies within the pre-roll.
        case impossible
    }

    /// The packet to start decoding from so that the CELT decoders are in the continuous
    /// decode's state at `start`. Walking back from `start`, every frame of every stream must be
    /// CELT (and independent if `independentOnly`), the pre-roll must span `minimum` samples,
    /// and each stream must have two frames in it that are not transient: anti-collapse in a
    /// transient frame uses the band energies of the last two frames that were not, so runs of
    /// transient frames carry state further back. The stream start always qualifies (a new
    /// decoder is the continuous one).
    func celtDecodeStart(in packets: [TimedPacket], before start: Int64, minimum: Int64, independentOnly: Bool) -> CELTDecodeStart {
        let streams = head.streamCount
        var steadyFrames = [Int](repeating: 0, count: streams)
        var index = packets.lastIndex { $0.end <= start } ?? -1
        if index < 0 { return packets.first?.position == 0 ? .packet(0) : .needsEarlierPackets }
        while index >= 0 {
            let packet = packets[index]
            if packet.position == 0 { return .packet(index) }
            guard let headers = Opus.celtFrameHeaders(packet.bytes, streamCount: streams) else { return .impossible }
            for (stream, frames) in headers.enumerated() {
                if independentOnly && !frames.allSatisfy(\.isIndependent) { return .impossible }
                steadyFrames[stream] += frames.filter { !$0.transient }.count
            }
            if start - packet.position >= minimum && steadyFrames.allSatisfy({ $0 >= 2 }) { return .packet(index) }
            index -= 1
        }
        return .needsEarlierPackets
    }

    /// The index of the packet to start decoding from so that every stream has passed a
    /// switch between CELT-only and SILK or hybrid packets (or the stream start) that ends
    /// by `start`; `nil` if some stream has none in `packets`.
    func lastModeSwitch(in packets: [TimedPacket], before start: Int64) -> Int? {
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
    func packets(from decodeFrom: Int64, to end: Int64) throws(CodecError) -> [TimedPacket] {
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
