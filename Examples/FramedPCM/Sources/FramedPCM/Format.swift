import CodecCore

/// The framed PCM stream: a 16-byte stream header, then frames.
///
/// - Stream header: "ZPCM", sample rate (u32), channels (u16), bits per sample (u16: 16, 24 or
///   32), 4 reserved bytes; all little-endian.
/// - Frame: "ZFRM", first sample (u64), samples per channel (u32), CRC-32 (IEEE 802.3, as zlib)
///   of the payload (u32), then the payload: interleaved little-endian signed integers.
public enum FramedPCM {
    public static let codecID = CodecID("framed-pcm")
    static let streamMagic = Array("ZPCM".utf8)
    static let frameMagic = Array("ZFRM".utf8)
    static let streamHeaderBytes = 16
    static let frameHeaderBytes = 20
    /// Frames longer than this are not believed (a damaged sample count).
    static let maximumFrameBytes = 4 << 20

    /// The stream's parameters.
    public struct StreamHeader: Sendable, Equatable {
        public let sampleRate: Int
        public let channels: Int
        public let bitsPerSample: Int
        var bytesPerSample: Int { bitsPerSample / 8 }

        init(sampleRate: Int, channels: Int, bitsPerSample: Int) {
            (self.sampleRate, self.channels, self.bitsPerSample) = (sampleRate, channels, bitsPerSample)
        }

        /// Parses the 16-byte header; nil when it is not one.
        init?(parsing bytes: [UInt8]) {
            guard bytes.count >= streamHeaderBytes, bytes.starts(with: streamMagic) else { return nil }
            let rate = Int(le(bytes, 4, 4)), channels = Int(le(bytes, 8, 2)), bits = Int(le(bytes, 10, 2))
            guard rate > 0, (1...64).contains(channels), [16, 24, 32].contains(bits) else { return nil }
            self.init(sampleRate: rate, channels: channels, bitsPerSample: bits)
        }

        var bytes: [UInt8] {
            streamMagic + le32(UInt32(sampleRate)) + le16(UInt16(channels)) + le16(UInt16(bitsPerSample)) + [0, 0, 0, 0]
        }
    }

    static func le<C: Collection>(_ bytes: C, _ offset: Int, _ count: Int) -> UInt64 where C.Element == UInt8, C.Index == Int {
        (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[bytes.startIndex + offset + $1]) << (8 * $1) }
    }
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// CRC-32 (polynomial 0xEDB88320 reflected, initial and final XOR 0xFFFFFFFF), as zlib.
    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { crc, _ in crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
}
