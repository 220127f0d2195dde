import CodecCore

extension WavPack {
    /// The 32-byte header that starts every WavPack block ("wvpk"; WavPack 5 file format).
    ///
    /// A block holds the samples of one or two channels; a multichannel frame is a run of
    /// blocks from one flagged initial to one flagged final, all with the same block index and
    /// sample count. Blocks with no samples carry only metadata (tags, the RIFF trailer).
    public struct BlockHeader: Sendable, Equatable {
        /// Block bytes including the header (`ckSize` + 8).
        public let size: Int
        public let version: Int
        /// The index of the block's first sample in the stream (40 bits).
        public let blockIndex: Int64
        /// Samples per channel in the block; 0 for metadata-only blocks.
        public let blockSamples: Int
        /// Samples in the whole stream as the first block says; nil when unknown.
        public let totalSamples: Int64?
        public let flags: UInt32
        public let crc: UInt32

        public var isInitial: Bool { flags & 0x800 != 0 }
        public var isFinal: Bool { flags & 0x1000 != 0 }
        public var isMono: Bool { flags & 0x4 != 0 }
        public var isHybrid: Bool { flags & 0x8 != 0 }
        public var isFloat: Bool { flags & 0x80 != 0 }
        public var isDSD: Bool { flags & 0x8000_0000 != 0 }
        public var bytesPerSample: Int { Int(flags & 0x3) + 1 }
        /// The sample-rate index (bits 23-26): 15 means a rate given in the block's metadata.
        public var sampleRateIndex: Int { Int((flags >> 23) & 0xF) }
        /// Channels this block decodes to: 1 with MONO_FLAG, else 2 (a FALSE_STEREO block stores
        /// identical channels once but still decodes to two).
        public var channels: Int { isMono ? 1 : 2 }

        /// The standard rates of the sample-rate index.
        public static let sampleRates = [6_000, 8_000, 9_600, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200, 96_000, 192_000]

        /// Header bytes.
        public static let length = 32
        /// The largest block accepted: libwavpack writes blocks of at most 1 MiB; 16 MiB leaves
        /// room for other encoders and still caps what one bad header can make us read.
        public static let maximumSize = 16 << 20

        /// Why a candidate is not a block header.
        public enum Rejection: String, Error, Hashable, Sendable, CustomStringConvertible {
            case truncated = "header cut off"
            case badSize = "block size out of range"
            case badVersion = "unknown stream version"
            case badSamples = "sample count out of range"
            public var description: String { rawValue }
        }

        /// Parses the header at the start of `bytes` (which must begin with "wvpk").
        static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<BlockHeader, Rejection> {
            guard bytes.count >= length else { return .failure(.truncated) }
            func le32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
            let chunkSize = Int(le32(4))
            // The smallest real block holds the header and a metadata sub-block header; ckSize is even.
            guard chunkSize >= length - 8, chunkSize + 8 <= maximumSize, chunkSize & 1 == 0 else { return .failure(.badSize) }
            let version = Int(bytes[8]) | Int(bytes[9]) << 8
            guard (0x402...0x410).contains(version) else { return .failure(.badVersion) }
            let samples = le32(20)
            // libwavpack caps a block at 2^17 samples per channel; well above any encoder's choice.
            guard samples <= 1 << 20 else { return .failure(.badSamples) }
            // Every flag bit has a meaning in WavPack 5 (bit 27 is to be ignored, 28 flags a checksum).
            let flags = le32(24)
            let totalLow = le32(12)
            // wavpack.h's GET_TOTAL_SAMPLES: above 2^32 - 2 the stored count skips the value meaning "unknown".
            let total: Int64? = totalLow == 0xFFFF_FFFF ? nil : (Int64(bytes[11]) << 32) + Int64(totalLow) - Int64(bytes[11])
            return .success(BlockHeader(
                size: chunkSize + 8, version: version, blockIndex: Int64(bytes[10]) << 32 | Int64(le32(16)), blockSamples: Int(samples),
                totalSamples: total, flags: flags, crc: le32(28)))
        }

        /// The blocks of `bytes`, a run of whole blocks as libwavpack writes them: each one's
        /// offset and header.
        /// - Throws: ``CodecError/Code/library`` when a block does not parse or is cut off.
        static func blocks(in bytes: [UInt8]) throws(CodecError) -> [(offset: Int, header: BlockHeader)] {
            var found: [(offset: Int, header: BlockHeader)] = []
            var at = 0
            while at < bytes.count {
                let parsed = bytes.withUnsafeBytes { raw in
                    raw[at...].starts(with: Array("wvpk".utf8)) ? parse(UnsafeRawBufferPointer(rebasing: raw[at...])) : .failure(.truncated)
                }
                guard case .success(let header) = parsed, at + header.size <= bytes.count else {
                    throw CodecError(.library, "libwavpack wrote a block that does not parse at byte \(at)", codec: WavPack.codecID)
                }
                found.append((at, header))
                at += header.size
            }
            return found
        }
    }
}
