extension FLAC {
    /// A parsed frame header (RFC 9639 §9.1).
    public struct FrameHeader: Sendable, Equatable {
        /// The blocking strategy bit: variable block size streams code the first sample number,
        /// fixed ones the frame number (but see ``parse(_:sampleNumbersWithoutStrategyBit:)``).
        public let isVariableBlockSize: Bool
        /// The coded frame number or sample number.
        public let codedNumber: UInt64
        public let blockSize: Int
        /// The rate coded in the header; nil when it says "from STREAMINFO".
        public let sampleRate: Int?
        public let channelCount: Int
        /// The sample size coded in the header; nil when it says "from STREAMINFO".
        public let bitsPerSample: Int?
        /// Header bytes including the CRC-8.
        public let length: Int

        /// Why a candidate is not a frame header.
        public enum Rejection: String, Error, Hashable, Sendable, CustomStringConvertible {
            case truncated = "header cut off"
            case reservedBit = "reserved bit set"
            case reservedBlockSize = "reserved block size code"
            case reservedSampleRate = "invalid sample rate code"
            case reservedChannels = "reserved channel assignment"
            case reservedSampleSize = "reserved sample size code"
            case invalidCodedNumber = "invalid coded number"
            case crc8Mismatch = "CRC-8 mismatch"
            case streamInfoMismatch = "disagrees with STREAMINFO"
            public var description: String { rawValue }
        }

        /// Whether the header agrees with the stream's STREAMINFO in rate, channels and sample size.
        /// (Block sizes are not compared: libFLAC decodes frames larger than STREAMINFO's maximum.)
        func agrees(with streamInfo: StreamInfo) -> Bool {
            (sampleRate ?? streamInfo.sampleRate) == streamInfo.sampleRate && channelCount == streamInfo.channelCount
                && (bitsPerSample ?? streamInfo.bitsPerSample) == streamInfo.bitsPerSample
        }

        /// Parses the header at the start of `bytes` (which must begin with the sync code).
        /// - Parameter sampleNumbersWithoutStrategyBit: the stream codes sample numbers (up to 36
        ///   bits) even in frames whose blocking strategy bit is 0. libFLAC assumes this whenever
        ///   STREAMINFO's minimum and maximum block sizes differ: the old variable-block-size
        ///   format that early encoders such as Flake wrote.
        static func parse(_ bytes: UnsafeRawBufferPointer, sampleNumbersWithoutStrategyBit: Bool) -> Result<FrameHeader, Rejection> {
            guard bytes.count >= 6 else { return .failure(.truncated) }
            // §9.1: 15-bit sync 0b111111111111100 then the blocking strategy bit.
            guard bytes[0] == 0xFF, bytes[1] & 0xFE == 0xF8 else { return .failure(.reservedBit) }
            let variable = bytes[1] & 1 == 1
            let blockSizeCode = bytes[2] >> 4
            let sampleRateCode = bytes[2] & 0x0F
            let channelCode = bytes[3] >> 4
            let sampleSizeCode = (bytes[3] >> 1) & 0x7
            guard bytes[3] & 1 == 0 else { return .failure(.reservedBit) }
            guard blockSizeCode != 0 else { return .failure(.reservedBlockSize) }       // §9.1.1
            guard sampleRateCode != 15 else { return .failure(.reservedSampleRate) }    // §9.1.2
            guard channelCode <= 10 else { return .failure(.reservedChannels) }         // §9.1.3
            guard sampleSizeCode != 3 else { return .failure(.reservedSampleSize) }     // §9.1.4

            // §9.1.5: the coded number, UTF-8-like, up to 7 bytes (36 bits) for sample numbers,
            // up to 6 bytes (31 bits) for frame numbers.
            var position = 4
            let lead = bytes[position]
            var extra = 0
            var number: UInt64
            switch lead {
            case 0x00...0x7F: number = UInt64(lead)
            case 0xC0...0xDF: extra = 1; number = UInt64(lead & 0x1F)
            case 0xE0...0xEF: extra = 2; number = UInt64(lead & 0x0F)
            case 0xF0...0xF7: extra = 3; number = UInt64(lead & 0x07)
            case 0xF8...0xFB: extra = 4; number = UInt64(lead & 0x03)
            case 0xFC...0xFD: extra = 5; number = UInt64(lead & 0x01)
            case 0xFE where variable || sampleNumbersWithoutStrategyBit: extra = 6; number = 0
            default: return .failure(.invalidCodedNumber)
            }
            position += 1
            guard bytes.count >= position + extra + 1 else { return .failure(.truncated) }
            for _ in 0..<extra {
                let continuation = bytes[position]
                guard continuation & 0xC0 == 0x80 else { return .failure(.invalidCodedNumber) }
                number = number << 6 | UInt64(continuation & 0x3F)
                position += 1
            }

            // §9.1.6: uncommon block size, stored minus one after the coded number.
            var blockSize: Int
            switch blockSizeCode {
            case 1: blockSize = 192
            case 2...5: blockSize = 144 << Int(blockSizeCode)
            case 6:
                guard bytes.count > position else { return .failure(.truncated) }
                blockSize = Int(bytes[position]) + 1
                position += 1
            case 7:
                guard bytes.count > position + 1 else { return .failure(.truncated) }
                blockSize = (Int(bytes[position]) << 8 | Int(bytes[position + 1])) + 1
                position += 2
                guard blockSize <= 65535 else { return .failure(.reservedBlockSize) }
            default: blockSize = 1 << Int(blockSizeCode)  // 8...15: 256 ... 32768
            }

            // §9.1.7: uncommon sample rate.
            var sampleRate: Int?
            switch sampleRateCode {
            case 0: sampleRate = nil
            case 1: sampleRate = 88_200
            case 2: sampleRate = 176_400
            case 3: sampleRate = 192_000
            case 4: sampleRate = 8_000
            case 5: sampleRate = 16_000
            case 6: sampleRate = 22_050
            case 7: sampleRate = 24_000
            case 8: sampleRate = 32_000
            case 9: sampleRate = 44_100
            case 10: sampleRate = 48_000
            case 11: sampleRate = 96_000
            case 12:
                guard bytes.count > position else { return .failure(.truncated) }
                sampleRate = Int(bytes[position]) * 1000
                position += 1
            default:  // 13: Hz, 14: tens of Hz, 16 bits each
                guard bytes.count > position + 1 else { return .failure(.truncated) }
                sampleRate = (Int(bytes[position]) << 8 | Int(bytes[position + 1])) * (sampleRateCode == 14 ? 10 : 1)
                position += 2
            }

            // §9.1.8: CRC-8 of everything before it.
            guard bytes.count > position else { return .failure(.truncated) }
            guard CRC.crc8(UnsafeRawBufferPointer(rebasing: bytes[0..<position])) == bytes[position] else {
                return .failure(.crc8Mismatch)
            }
            position += 1

            let channels = channelCode <= 7 ? Int(channelCode) + 1 : 2
            let sampleSize = [0, 8, 12, 0, 16, 20, 24, 32][Int(sampleSizeCode)]
            return .success(FrameHeader(
                isVariableBlockSize: variable, codedNumber: number, blockSize: blockSize, sampleRate: sampleRate,
                channelCount: channels, bitsPerSample: sampleSize == 0 ? nil : sampleSize, length: position))
        }
    }
}
