import CodecCore

extension FLAC {
    /// Phase 3: walks accepted headers in blob order and keeps the real frames.
    ///
    /// A frame ends where the next real frame begins, so a false header that survived CRC-8
    /// would split a real frame. Real frames count up: fixed-block-size streams by frame number,
    /// variable ones by sample number equal to the running sum. A header out of that sequence
    /// is in doubt and settled by the CRC-16 of the frame it would start; a valid one means
    /// real frames were lost before it (damage), and the stream resynchronises there. The last
    /// frame's CRC-16 is always checked, since nothing after it confirms where it ends.
    struct FrameSequencer: SampleAccumulator {
        let streamInfo: StreamInfo
        let firstFrameOffset: Int64
        let blob: BlobReader

        private var previous: FrameCandidate?
        /// The last frame committed to the index (its block size ends the stream).
        private var lastFrame: FrameCandidate?
        private var queue: [FrameCandidate] = []
        private var index = FrameIndex()
        private(set) var rejected: [String: Int] = [:]

        /// Frames beyond this size are not believed (RFC 9639 allows at most 2^24 - 1 bytes).
        static let maximumFrameBytes: Int64 = 1 << 24
        /// How many following headers a doubtful frame may end at (false syncs can sit between).
        static let doubtWindow = 4

        init(streamInfo: StreamInfo, firstFrameOffset: Int64, blob: BlobReader) {
            self.streamInfo = streamInfo
            self.firstFrameOffset = firstFrameOffset
            self.blob = blob
        }

        mutating func accept(_ frame: FrameCandidate) throws(CodecError) {
            queue.append(frame)
            try settle(final: false)
        }

        consuming func finish() throws(CodecError) -> (FrameIndex, [String: Int]) {
            try settle(final: true)
            if let last = previous {
                if try isIntact(last, end: blob.length) {
                    commit(last, end: blob.length)
                } else {
                    rejected["last frame damaged or cut off (CRC-16)", default: 0] += 1
                }
            }
            if let lastRow = index.firstSamples.indices.last, let last = lastFrame {
                index.totalSamples = index.firstSamples[lastRow] + Int64(last.header.blockSize)
            }
            return (index, rejected)
        }

        private func firstSample(of frame: FrameCandidate) -> Int64 {
            let header = frame.header
            // §9.1.5: fixed streams code frame numbers; every frame but the last has the maximum block size.
            return header.isVariableBlockSize ? Int64(header.codedNumber) : Int64(header.codedNumber) * Int64(streamInfo.maxBlockSize)
        }

        private func follows(_ frame: FrameCandidate) -> Bool {
            guard let previous else { return frame.offset == firstFrameOffset }
            guard frame.header.isVariableBlockSize == previous.header.isVariableBlockSize else { return false }
            if frame.header.isVariableBlockSize {
                return frame.header.codedNumber == previous.header.codedNumber + UInt64(previous.header.blockSize)
            }
            return frame.header.codedNumber == previous.header.codedNumber + 1
        }

        private mutating func settle(final: Bool) throws(CodecError) {
            while let frame = queue.first {
                if follows(frame) {
                    if let previous { commit(previous, end: frame.offset) }
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
                    rejected["out of sequence and CRC-16 mismatch", default: 0] += 1
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
                    rejected["damaged frame (CRC-16)", default: 0] += 1
                }
            }
            rejected["resynchronised after a gap", default: 0] += 1
            previous = frame
        }

        private mutating func commit(_ frame: FrameCandidate, end: Int64) {
            index.byteOffsets.append(frame.offset)
            index.frameSizes.append(end - frame.offset)
            index.firstSamples.append(firstSample(of: frame))
            lastFrame = frame
        }

        private func isIntact(_ frame: FrameCandidate, end: Int64) throws(CodecError) -> Bool {
            guard end > frame.offset, end - frame.offset <= Self.maximumFrameBytes else { return false }
            let bytes = try blob.read(frame.offset..<end)
            return bytes.withUnsafeBytes { CRC.frameIsIntact($0) }
        }
    }
}
