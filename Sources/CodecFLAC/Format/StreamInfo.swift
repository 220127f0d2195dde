import CodecCore

extension FLAC {
    /// The STREAMINFO metadata block (RFC 9639 §8.2).
    public struct StreamInfo: Sendable, Equatable {
        public var minBlockSize: Int
        public var maxBlockSize: Int
        public var minFrameSize: Int
        public var maxFrameSize: Int
        public var sampleRate: Int
        public var channelCount: Int
        public var bitsPerSample: Int
        /// 0 when the encoder did not know it.
        public var totalSamples: Int64
        public var md5: [UInt8]

        /// Parses the 34-byte block body.
        /// - Throws: ``CodecError/Code/corrupt`` for a short block or impossible values.
        init(parsing body: [UInt8]) throws(CodecError) {
            guard body.count >= 34 else { throw CodecError(.corrupt, "STREAMINFO is \(body.count) bytes, 34 expected", codec: FLAC.codecID) }
            func be(_ range: Range<Int>) -> UInt64 { body[range].reduce(0) { $0 << 8 | UInt64($1) } }
            minBlockSize = Int(be(0..<2))
            maxBlockSize = Int(be(2..<4))
            minFrameSize = Int(be(4..<7))
            maxFrameSize = Int(be(7..<10))
            let packed = be(10..<18)  // 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total
            sampleRate = Int(packed >> 44)
            channelCount = Int((packed >> 41) & 0x7) + 1
            bitsPerSample = Int((packed >> 36) & 0x1F) + 1
            totalSamples = Int64(packed & 0xF_FFFF_FFFF)
            md5 = Array(body[18..<34])
            // RFC 9639 §8.2: block sizes 16...65535 (min may be smaller only in one-frame streams).
            guard maxBlockSize >= 16, minBlockSize <= maxBlockSize, sampleRate > 0, bitsPerSample >= 4 else {
                throw CodecError(.corrupt, "STREAMINFO has impossible values (block sizes \(minBlockSize)...\(maxBlockSize), \(sampleRate) Hz, \(bitsPerSample) bits)", codec: FLAC.codecID)
            }
        }
    }
}
