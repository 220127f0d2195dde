extension Opus {
    /// The page index: one row per audio page on which a packet starts.
    public struct PageIndex: Sendable, Equatable {
        public var byteOffsets: [Int64] = []
        public var pageSizes: [Int64] = []
        /// Where the first packet starting on the page begins, in 48 kHz units counted from the
        /// start of the stream, pre-skip included (can be negative for the first pages
        /// relative to the first output sample).
        public var packetStarts: [Int64] = []
        /// The stream's end in the same units (from the last granule position).
        public var streamEnd: Int64 = 0

        public var count: Int { byteOffsets.count }
    }
}
