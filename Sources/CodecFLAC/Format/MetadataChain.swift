import CodecCore

extension FLAC {
    /// The start of a FLAC stream: an optional ID3v2 tag, "fLaC", then metadata blocks up to the
    /// one flagged last (RFC 9639 §8). Walking the chain, not guessing, finds the first frame.
    ///
    /// A stream may also start straight at a frame header, with no "fLaC" and no STREAMINFO (cut
    /// from a longer stream, or written by a hardware encoder); libFLAC decodes those, taking
    /// rate, channels and sample size from each frame header. The chain then holds a STREAMINFO
    /// made up from the first frame (``isHeaderless``).
    public struct MetadataChain: Sendable {
        public let streamInfo: StreamInfo
        /// Byte offset of the first audio frame.
        public let firstFrameOffset: Int64
        /// The stream has no "fLaC" marker and no metadata; ``streamInfo`` was made up from its first frame.
        public let isHeaderless: Bool
        /// "fLaC" plus the STREAMINFO block flagged as last: a minimal stream header that lets a
        /// decoder start at any frame.
        public let decoderPreamble: [UInt8]

        /// Largest metadata block body (24-bit length field).
        static let maximumBlockLength = (1 << 24) - 1

        /// Walks the chain using `read(offset, count)` to fetch bytes (short at the end of data).
        /// - Throws: ``CodecError/Code/unrecognized`` when there is no "fLaC" marker,
        ///   ``CodecError/Code/corrupt`` when the chain runs past the data or lacks STREAMINFO.
        public init(read: (Int64, Int) throws(CodecError) -> [UInt8]) throws(CodecError) {
            var offset: Int64 = 0
            var head = try read(0, 10)
            // ID3v2: "ID3", version, flags, 4-byte syncsafe size (+10 more with a footer).
            if head.count == 10, head.starts(with: Array("ID3".utf8)) {
                let size = head[6..<10].reduce(0) { $0 << 7 | Int64($1 & 0x7F) }
                offset = 10 + size + (head[5] & 0x10 != 0 ? 10 : 0)
                head = try read(offset, 4)
            }
            guard head.prefix(4).elementsEqual(Array("fLaC".utf8)) else {
                let frame = try read(offset, 16)
                guard let streamInfo = Self.streamInfo(fromFrameHeader: frame) else {
                    throw CodecError(.unrecognized, "no FLAC stream marker \"fLaC\" and no frame header at byte \(offset)", codec: FLAC.codecID, byteOffset: offset)
                }
                self.streamInfo = streamInfo
                firstFrameOffset = offset
                isHeaderless = true
                decoderPreamble = Array("fLaC".utf8) + [0x80, 0, 0, 34] + streamInfo.body
                return
            }
            offset += 4
            var streamInfo: StreamInfo?
            var streamInfoBody: [UInt8] = []
            var isLast = false
            while !isLast {
                let header = try read(offset, 4)
                guard header.count == 4 else {
                    throw CodecError(.corrupt, "metadata block header cut off", codec: FLAC.codecID, byteOffset: offset)
                }
                isLast = header[0] & 0x80 != 0
                let type = header[0] & 0x7F
                let length = Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
                guard type != 127 else {
                    throw CodecError(.corrupt, "metadata block type 127 is forbidden", codec: FLAC.codecID, byteOffset: offset)
                }
                if type == 0 {
                    guard streamInfo == nil, length == 34 else {
                        throw CodecError(.corrupt, "STREAMINFO repeated or of length \(length)", codec: FLAC.codecID, byteOffset: offset)
                    }
                    streamInfoBody = try read(offset + 4, 34)
                    streamInfo = try StreamInfo(parsing: streamInfoBody)
                } else if streamInfo == nil {
                    throw CodecError(.corrupt, "the first metadata block is not STREAMINFO", codec: FLAC.codecID, byteOffset: offset)
                }
                offset += 4 + Int64(length)
            }
            guard let streamInfo else { throw CodecError(.corrupt, "no STREAMINFO block", codec: FLAC.codecID) }
            self.streamInfo = streamInfo
            firstFrameOffset = offset
            isHeaderless = false
            decoderPreamble = Array("fLaC".utf8) + [0x80, 0, 0, 34] + streamInfoBody
        }

        /// A STREAMINFO for a stream that starts at `bytes`, when they hold a frame header (CRC-8
        /// checked) that codes its rate and sample size itself; nil otherwise.
        static func streamInfo(fromFrameHeader bytes: [UInt8]) -> StreamInfo? {
            guard bytes.count >= 6, bytes[0] == 0xFF, bytes[1] & 0xFE == 0xF8 else { return nil }
            let parsed = bytes.withUnsafeBytes { FrameHeader.parse($0, sampleNumbersWithoutStrategyBit: false) }
            guard case .success(let header) = parsed, let rate = header.sampleRate, let bits = header.bitsPerSample else { return nil }
            return StreamInfo(synthesizedFrom: header, sampleRate: rate, bitsPerSample: bits)
        }
    }
}
