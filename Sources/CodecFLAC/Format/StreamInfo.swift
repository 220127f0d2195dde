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

        /// Frames code sample numbers whatever their blocking strategy bit says: libFLAC's rule for
        /// streams whose minimum and maximum block sizes differ (the old variable-block-size format).
        public var codesSampleNumbers: Bool { minBlockSize != maxBlockSize }

        /// A STREAMINFO made up for a stream that has none (it starts at a frame header), from
        /// that first frame: a decoder needs it to start at any frame.
        init(synthesizedFrom header: FrameHeader, sampleRate: Int, bitsPerSample: Int) {
            // Fixed-strategy streams get equal block sizes, so that libFLAC counts frame numbers.
            (minBlockSize, maxBlockSize) = header.isVariableBlockSize ? (16, 65_535) : (header.blockSize, header.blockSize)
            (minFrameSize, maxFrameSize) = (0, 0)
            self.sampleRate = sampleRate
            channelCount = header.channelCount
            self.bitsPerSample = bitsPerSample
            totalSamples = 0
            md5 = [UInt8](repeating: 0, count: 16)
        }

        /// The 34-byte block body (RFC 9639 §8.2).
        var body: [UInt8] {
            func be(_ value: UInt64, _ bytes: Int) -> [UInt8] { (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
            let packed = UInt64(sampleRate) << 44 | UInt64(channelCount - 1) << 41 | UInt64(bitsPerSample - 1) << 36 | UInt64(totalSamples)
            return be(UInt64(minBlockSize), 2) + be(UInt64(maxBlockSize), 2) + be(UInt64(minFrameSize), 3) + be(UInt64(maxFrameSize), 3)
                + be(packed, 8) + md5
        }

        /// Parses the 34-byte block body. Block and frame sizes are kept as they are, even when
        /// they contradict the frames: libFLAC decodes such streams, and so must the archive.
        /// - Throws: ``CodecError/Code/corrupt`` for a short block or a rate of 0 Hz.
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
            // RFC 9639 §8.2: the sample rate must not be 0 (4-bit samples and up are all codable).
            guard sampleRate > 0, bitsPerSample >= 4 else {
                throw CodecError(.corrupt, "STREAMINFO has impossible values (\(sampleRate) Hz, \(bitsPerSample) bits)", codec: FLAC.codecID)
            }
        }
    }
}
