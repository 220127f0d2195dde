import CodecCore

extension Opus {
    /// Phase 3: walks the pages of one logical stream in order and places every packet.
    ///
    /// RFC 7845 §4: the first page holds OpusHead alone, the next packet is OpusTags (it may
    /// span pages), then audio. A page's granule position is the end, in 48 kHz samples with
    /// pre-skip included, of the last packet completed on it; -1 means no packet ends there.
    /// Packet durations come from their TOC bytes; each granule is cross-checked against the
    /// running sum. After missing or damaged pages (a sequence gap) positions are re-anchored at
    /// the next page with a granule whose completed packets all start on it.
    struct PageSequencer: SampleAccumulator {
        private var serial: UInt32?
        private var expectedSequence: UInt32 = 0
        private var packetsSeen = 0
        /// Start (48 kHz units from the stream start) of the next packet to begin; nil while
        /// unknown after a gap.
        private var position: Int64? = 0
        /// Granule minus sum of durations: non-zero for streams that begin mid-way.
        private var granuleOffset: Int64?
        private var lastGranule: Int64 = 0
        private var ended = false
        private var index = PageIndex()
        private(set) var rejected = RejectionCounts<Rejection>()

        /// What phase 3 notes.
        enum Rejection: String, Hashable, Sendable, CustomStringConvertible {
            case sequenceGap = "missing or damaged pages (sequence gap)"
            case resynchronised = "resynchronised after a gap"
            var description: String { rawValue }
        }

        mutating func accept(_ page: Ogg.Page) throws(CodecError) {
            guard let serial else {
                guard page.beginsStream else {
                    throw CodecError(.corrupt, "the first Ogg page is not the beginning of a stream", codec: Opus.codecID, byteOffset: page.offset)
                }
                self.serial = page.serial
                try place(page)
                return
            }
            guard page.serial == serial, !ended else {
                // RFC 3533 §4: another logical stream (multiplexed) or a chained one after EOS.
                throw CodecError(.unsupported, "chained or multiplexed Ogg streams are not supported (serial \(page.serial) at byte \(page.offset) after serial \(serial))", codec: Opus.codecID, byteOffset: page.offset)
            }
            try place(page)
        }

        private mutating func place(_ page: Ogg.Page) throws(CodecError) {
            if page.sequence != expectedSequence {
                rejected.add(.sequenceGap, count: Int(page.sequence &- expectedSequence))
                position = nil
            }
            expectedSequence = page.sequence &+ 1
            if page.endsStream { ended = true }

            // Durations of the packets that start here (header packets count as zero).
            var durations: [Int64] = []
            for head in page.packetHeads {
                defer { packetsSeen += 1 }
                if packetsSeen < 2 { durations.append(0); continue }
                guard let duration = Opus.packetDuration(head) else {
                    throw CodecError(.corrupt, "malformed Opus packet (TOC 0x\(String(head.first ?? 0, radix: 16)))", codec: Opus.codecID, byteOffset: page.offset)
                }
                durations.append(Int64(duration))
            }
            let completedHere = page.lastPacketContinues ? durations.dropLast() : durations[...]
            let at = page.offset
            if position == nil, page.granulePosition >= 0, let offset = granuleOffset,
               !(page.continuesPacket && page.completedPackets > completedHere.count) {
                // Re-anchor: the packets completed here all started here.
                position = try Self.checked(try Self.checked(page.granulePosition, -offset, at), -completedHere.reduce(0, +), at)
                rejected.add(.resynchronised)
            }
            guard var start = position else { return }
            guard start >= 0 else {
                throw CodecError(.corrupt, "granule position \(page.granulePosition) puts packets before the stream start", codec: Opus.codecID, byteOffset: at)
            }
            let firstStart = start
            var completedEnd = start
            for (k, duration) in durations.enumerated() {
                start = try Self.checked(start, duration, at)
                if k < completedHere.count { completedEnd = start }
            }
            if page.granulePosition >= 0 && page.completedPackets > 0 && packetsSeen > 2 {
                if granuleOffset == nil {
                    // §4.5: on a first audio page that also ends the stream, a granule below the
                    // packets' end is end trimming, not a negative start offset.
                    let offset = try Self.checked(page.granulePosition, -completedEnd, at)
                    granuleOffset = page.endsStream ? max(0, offset) : offset
                }
                let expected = try Self.checked(completedEnd, granuleOffset ?? 0, at)
                // The final page may end earlier than its packets (end trimming, §4.5).
                if page.granulePosition != expected && !(page.endsStream && page.granulePosition < expected) {
                    throw CodecError(.corrupt, "granule position \(page.granulePosition) where the packets end at \(expected)", codec: Opus.codecID, byteOffset: page.offset)
                }
                lastGranule = page.granulePosition
            }
            position = start
            if !durations.isEmpty && packetsSeen > 2 && durations.contains(where: { $0 > 0 }) {
                index.byteOffsets.append(page.offset)
                index.pageSizes.append(Int64(page.size))
                index.packetStarts.append(firstStart)
            }
        }

        mutating func finish() throws(CodecError) -> PageIndex {
            let end = try Self.checked(lastGranule, -(granuleOffset ?? 0), 0)
            // Positions must convert to decoded samples at any Opus rate without overflow.
            guard end >= 0, end <= Self.maximumPosition else {
                throw CodecError(.corrupt, "the stream's granule positions give \(end) samples, beyond any recording", codec: Opus.codecID)
            }
            index.streamEnd = end
            return index
        }

        /// The largest stream length accepted, in 48 kHz units (about 6,000 years): positions
        /// stay far from Int64 overflow when scaled to any decoding rate.
        static let maximumPosition: Int64 = 1 << 53

        /// `a + b`, refusing overflow (granule positions come from the file, RFC 7845 §4).
        private static func checked(_ a: Int64, _ b: Int64, _ offset: Int64) throws(CodecError) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            guard !overflow, sum <= maximumPosition, sum >= -maximumPosition else {
                throw CodecError(.corrupt, "granule arithmetic overflows (\(a) + \(b))", codec: Opus.codecID, byteOffset: offset)
            }
            return sum
        }
    }
}
