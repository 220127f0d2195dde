import CodecCore

extension FLAC {
    /// Phase 3: walks accepted headers in blob order and keeps the real frames.
    ///
    /// A frame ends where the next real frame begins, so a false header that survived CRC-8
    /// would split a real frame. Real frames count up, by frame number (+1) or by sample number
    /// (+ the previous block size): whatever the blocking strategy bit says, since old encoders
    /// coded sample numbers in fixed-strategy frames and libFLAC decodes both. A header out of
    /// that sequence is in doubt and settled by the CRC-16 of the frame it would start; a valid
    /// one means real frames were lost before it (damage), and the stream resynchronises there.
    ///
    /// Sample positions are the running sum of block sizes, as libFLAC writes them, not the
    /// coded numbers times STREAMINFO's block size (STREAMINFO may lie). Only across a gap left
    /// by damage do the coded numbers say how many samples were lost.
    ///
    /// Nothing after the last frame says where it ends (an ID3v1 or APEv2 tag or junk may
    /// follow), so libFLAC decodes it and tells its length; that also checks its CRC-16.
    struct FrameSequencer: SampleAccumulator {
        let chain: MetadataChain
        let blob: BlobReader
        private var firstFrameOffset: Int64 { chain.firstFrameOffset }

        private var previous: FrameCandidate?
        private var queue: [FrameCandidate] = []
        private var index = FrameIndex()
        private(set) var rejected = RejectionCounts<Rejection>()

        /// What phase 3 leaves out or notes.
        enum Rejection: String, Hashable, Sendable, CustomStringConvertible {
            case lastFrameDamaged = "last frame damaged or cut off (CRC-16)"
            case outOfSequence = "out of sequence and CRC-16 mismatch"
            case damagedFrame = "damaged frame (CRC-16)"
            case resynchronised = "resynchronised after a gap"
            var description: String { rawValue }
        }

        /// Frames beyond this size are not believed (RFC 9639 allows at most 2^24 - 1 bytes).
        static let maximumFrameBytes: Int64 = 1 << 24
        /// How many following headers a doubtful frame may end at (false syncs can sit between).
        static let doubtWindow = 4

        /// The sample at which the next committed frame starts, and how the previous committed
        /// frame was numbered relative to its predecessor (to size a gap after damage).
        private var nextSample: Int64 = 0
        private var numbering: Numbering?
        private enum Numbering { case frames, samples }

        init(chain: MetadataChain, blob: BlobReader) {
            self.chain = chain
            self.blob = blob
        }

        mutating func accept(_ frame: FrameCandidate) throws(CodecError) {
            queue.append(frame)
            try settle(final: false)
        }

        mutating func finish() throws(CodecError) -> FrameIndex {
            try settle(final: true)
            if let last = previous {
                if let end = try endOfLastFrame(last) {
                    commit(last, end: end)
                } else {
                    rejected.add(.lastFrameDamaged)
                }
            }
            index.totalSamples = nextSample
            return index
        }

        /// Where the stream's last frame ends, as libFLAC reads it; nil when it is damaged or cut off.
        private func endOfLastFrame(_ frame: FrameCandidate) throws(CodecError) -> Int64? {
            let bytes = try blob.read(frame.offset..<min(blob.length, frame.offset + Self.maximumFrameBytes))
            let length = try FrameDecoder().lengthOfFirstFrame(preamble: chain.decoderPreamble, bytes: bytes, channels: chain.streamInfo.channelCount)
            return length.map { frame.offset + Int64($0) }
        }

        /// How `frame` is numbered relative to `previous`, if it follows it.
        private static func step(from previous: FrameCandidate, to frame: FrameCandidate) -> Numbering? {
            let (number, before) = (frame.header.codedNumber, previous.header.codedNumber)
            if number == before &+ 1 { return .frames }
            if number == before &+ UInt64(previous.header.blockSize) { return .samples }
            return nil
        }

        private func follows(_ frame: FrameCandidate) -> Bool {
            guard let previous else { return frame.offset == firstFrameOffset }
            return Self.step(from: previous, to: frame) != nil
        }

        private mutating func settle(final: Bool) throws(CodecError) {
            while let frame = queue.first {
                if follows(frame) {
                    if let previous {
                        commit(previous, end: frame.offset)
                        numbering = Self.step(from: previous, to: frame)
                    }
                    previous = frame
                    queue.removeFirst()
                    continue
                }
                guard final || queue.count > Self.doubtWindow else { return }
                // In doubt: real if its frame checks out ending at one of the next headers (or the blob end).
                let ends = queue.dropFirst().prefix(Self.doubtWindow).map(\.offset) + (final ? [blob.length] : [])
                var real = false
                for end in ends where try isIntact(frame, end: end) {
                    real = true
                    break
                }
                if real {
                    try resynchronize(at: frame)
                } else {
                    rejected.add(.outOfSequence)
                }
                queue.removeFirst()
            }
        }

        /// Accepts `frame` after a break in the sequence; the frame before the break keeps its
        /// row only if it is intact up to `frame`.
        private mutating func resynchronize(at frame: FrameCandidate) throws(CodecError) {
            if let previous {
                if try isIntact(previous, end: frame.offset) {
                    commit(previous, end: frame.offset)
                } else {
                    rejected.add(.damagedFrame)
                    nextSample = Self.checkedSum(nextSample, Int64(previous.header.blockSize))
                }
                nextSample = Self.checkedSum(nextSample, lostSamples(between: previous, and: frame))
            } else {
                // The stream's first frames are damaged: the first intact one says by its coded
                // number where it starts, so later samples keep their true positions.
                nextSample = samplesBefore(frame)
            }
            rejected.add(.resynchronised)
            previous = frame
        }

        /// Samples lost in damage between `previous` (already counted) and `frame`, from their
        /// coded numbers; 0 when the numbers do not say (a new stream spliced on, nonsense).
        private func lostSamples(between previous: FrameCandidate, and frame: FrameCandidate) -> Int64 {
            let (number, before) = (frame.header.codedNumber, previous.header.codedNumber)
            guard number > before, number - before < 1 << 36 else { return 0 }
            let lost: UInt64
            switch numbering ?? (frame.header.isVariableBlockSize ? .samples : .frames) {
            case .frames: lost = (number - before - 1).multipliedReportingOverflow(by: UInt64(previous.header.blockSize)).partialValue
            case .samples: lost = number - before > UInt64(previous.header.blockSize) ? number - before - UInt64(previous.header.blockSize) : 0
            }
            return lost < 1 << 40 ? Int64(lost) : 0
        }

        /// Samples before `frame` in its stream, from its coded number (the first frame of a
        /// fixed-block-size stream starts at number 0, every frame but the last holds its block size).
        private func samplesBefore(_ frame: FrameCandidate) -> Int64 {
            let number = frame.header.codedNumber
            let samples: (partialValue: UInt64, overflow: Bool) = frame.header.isVariableBlockSize || chain.streamInfo.codesSampleNumbers
                ? (number, false) : number.multipliedReportingOverflow(by: UInt64(frame.header.blockSize))
            return !samples.overflow && samples.partialValue < 1 << 40 ? Int64(samples.partialValue) : 0
        }

        private static func checkedSum(_ a: Int64, _ b: Int64) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? .max : sum
        }

        private mutating func commit(_ frame: FrameCandidate, end: Int64) {
            index.byteOffsets.append(frame.offset)
            index.frameSizes.append(end - frame.offset)
            index.firstSamples.append(nextSample)
            nextSample = Self.checkedSum(nextSample, Int64(frame.header.blockSize))
        }

        private func isIntact(_ frame: FrameCandidate, end: Int64) throws(CodecError) -> Bool {
            guard end > frame.offset, end - frame.offset <= Self.maximumFrameBytes else { return false }
            let bytes = try blob.read(frame.offset..<end)
            return bytes.withUnsafeBytes { CRC.frameIsIntact($0) }
        }
    }
}
