import CodecCore

extension Opus {
    /// The identification header (RFC 7845 §5.1).
    public struct Head: Sendable, Equatable {
        public let channelCount: Int
        /// Samples (at 48 kHz) to discard from the start of the decoded stream.
        public let preSkip: Int
        /// The informational rate of the original input (not the decoding rate).
        public let inputSampleRate: Int
        /// Output gain in Q7.8 dB, applied by decoders.
        public let outputGain: Int
        public let mappingFamily: Int
        public let streamCount: Int
        public let coupledCount: Int
        public let channelMapping: [UInt8]

        /// Parses the header packet.
        /// - Throws: ``CodecError/Code/unrecognized`` for anything that is not an OpusHead,
        ///   ``CodecError/Code/unsupported`` for a major version other than 0.
        public init(parsing packet: [UInt8]) throws(CodecError) {
            guard packet.count >= 19, packet.starts(with: Array("OpusHead".utf8)) else {
                throw CodecError(.unrecognized, "the Ogg stream does not start with an OpusHead packet", codec: Opus.codecID)
            }
            guard packet[8] >> 4 == 0 else {
                throw CodecError(.unsupported, "OpusHead version \(packet[8]) (only major version 0 is defined)", codec: Opus.codecID)
            }
            func le16(_ i: Int) -> Int { Int(packet[i]) | Int(packet[i + 1]) << 8 }
            channelCount = Int(packet[9])
            preSkip = le16(10)
            inputSampleRate = le16(12) | le16(14) << 16
            outputGain = Int(Int16(bitPattern: UInt16(le16(16))))
            mappingFamily = Int(packet[18])
            guard channelCount > 0 else { throw CodecError(.corrupt, "OpusHead declares 0 channels", codec: Opus.codecID) }
            if mappingFamily == 0 {
                guard channelCount <= 2 else { throw CodecError(.corrupt, "mapping family 0 with \(channelCount) channels", codec: Opus.codecID) }
                streamCount = 1
                coupledCount = channelCount - 1
                channelMapping = channelCount == 1 ? [0] : [0, 1]
            } else {
                // §5.1.1: stream count, coupled count, one mapping byte per channel.
                guard packet.count >= 21 + channelCount else {
                    throw CodecError(.corrupt, "OpusHead channel mapping table cut off", codec: Opus.codecID)
                }
                streamCount = Int(packet[19])
                coupledCount = Int(packet[20])
                channelMapping = Array(packet[21..<21 + channelCount])
                guard streamCount > 0, coupledCount <= streamCount, streamCount + coupledCount <= 255 else {
                    throw CodecError(.corrupt, "OpusHead has \(streamCount) streams of which \(coupledCount) coupled", codec: Opus.codecID)
                }
            }
        }
    }

    /// Samples (at 48 kHz) that a packet decodes to, from its TOC byte and, for code 3, its
    /// frame count byte (RFC 6716 §3.1, §3.2.5). `nil` for a malformed packet.
    static func packetDuration(_ head: some Collection<UInt8>) -> Int? {
        guard let toc = head.first else { return nil }
        let config = Int(toc >> 3)
        let frameSize: Int  // in 48 kHz samples
        switch config {
        case 0...11: frameSize = [480, 960, 1920, 2880][config & 3]     // SILK: 10, 20, 40, 60 ms
        case 12...15: frameSize = [480, 960][config & 1]               // hybrid: 10, 20 ms
        default: frameSize = [120, 240, 480, 960][config & 3]          // CELT: 2.5, 5, 10, 20 ms
        }
        let frames: Int
        switch toc & 3 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard let count = head.dropFirst().first else { return nil }
            frames = Int(count & 0x3F)
        }
        // §3.2.5: at most 120 ms per packet.
        guard frames > 0, frames * frameSize <= 5760 else { return nil }
        return frames * frameSize
    }
}
