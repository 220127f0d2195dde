import CodecCore

extension FLAC {
    /// The frame index: one row per frame, in stream order.
    public struct FrameIndex: Sendable, Equatable {
        /// Byte offset of each frame in the blob.
        public var byteOffsets: [Int64] = []
        /// Bytes of each frame.
        public var frameSizes: [Int64] = []
        /// The first sample (per channel) of each frame.
        public var firstSamples: [Int64] = []
        /// Samples in the stream (the end of the last frame).
        public var totalSamples: Int64 = 0

        public var count: Int { byteOffsets.count }

        /// The row of the frame holding `sample`: the last frame starting at or before it.
        func frame(containing sample: Int64) -> Int {
            SortedPositions.lastIndex(in: firstSamples, atOrBefore: sample)
        }
    }
}
