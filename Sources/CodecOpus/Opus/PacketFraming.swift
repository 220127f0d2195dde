extension Opus {
    /// How a packet's frames are coded: which mode (from the TOC byte) and how many bytes each
    /// frame holds (RFC 6716 §3.2), for plain packets and for the self-delimiting framing of the
    /// first streams of a multistream packet (RFC 6716 Appendix B, RFC 7845 §5.1.1).
    struct PacketFraming {
        enum Mode: Equatable {
            case silk, hybrid, celt
        }

        let mode: Mode
        /// Bytes of each frame; a frame of 0 or 1 bytes is decoded by packet loss concealment.
        let frameLengths: [Int]
        /// Bytes the packet takes, header and padding included.
        let size: Int
        /// Bytes before the first frame (TOC, counts, lengths, padding lengths).
        let headerSize: Int
        /// The TOC's frame size as log2 of 2.5 ms units (0 = 2.5 ms ... 3 = 20 ms) for CELT.
        let celtFrameSizeLog: Int

        /// The packet at the start of `bytes`; `selfDelimited` for all but the last stream of a
        /// multistream packet. `nil` when the packet is malformed.
        init?(_ bytes: ArraySlice<UInt8>, selfDelimited: Bool) {
            guard let toc = bytes.first else { return nil }
            let config = toc >> 3
            mode = config < 12 ? .silk : config < 16 ? .hybrid : .celt
            celtFrameSizeLog = Int(config & 3)
            var position = bytes.startIndex + 1
            /// A frame length of one or two bytes (§3.2.1).
            func length() -> Int? {
                guard position < bytes.endIndex else { return nil }
                let first = Int(bytes[position])
                guard first >= 252 else { position += 1; return first }
                guard position + 1 < bytes.endIndex else { return nil }
                defer { position += 2 }
                return first + 4 * Int(bytes[position + 1])
            }
            var lengths: [Int] = []
            var padding = 0
            var frameCount = toc & 3 == 0 ? 1 : 2
            switch toc & 3 {
            case 0:
                if selfDelimited { guard let n = length() else { return nil }; lengths = [n] }
            case 1:
                if selfDelimited { guard let n = length() else { return nil }; lengths = [n, n] }
            case 2:
                guard let first = length() else { return nil }
                lengths = [first]
                if selfDelimited { guard let second = length() else { return nil }; lengths.append(second) }
            default:
                guard position < bytes.endIndex else { return nil }
                let countByte = bytes[position]
                position += 1
                let count = Int(countByte & 0x3F)
                guard count > 0 else { return nil }
                frameCount = count
                if countByte & 0x40 != 0 {  // padding length, §3.2.5
                    var more = true
                    while more {
                        guard position < bytes.endIndex else { return nil }
                        let value = Int(bytes[position])
                        position += 1
                        padding += value == 255 ? 254 : value
                        more = value == 255
                    }
                }
                if countByte & 0x80 != 0 {  // VBR: every length but the last, which self-delimiting adds
                    for _ in 0..<(selfDelimited ? count : count - 1) {
                        guard let n = length() else { return nil }
                        lengths.append(n)
                    }
                } else if selfDelimited {
                    guard let n = length() else { return nil }
                    lengths = Array(repeating: n, count: count)
                } else {
                    let remaining = bytes.endIndex - position - padding
                    guard remaining >= 0, remaining % count == 0 else { return nil }
                    lengths = Array(repeating: remaining / count, count: count)
                }
            }
            if lengths.count < frameCount {  // the last frame of a plain packet takes what remains
                let remaining = bytes.endIndex - position - padding - lengths.reduce(0, +)
                if toc & 3 == 1 {
                    guard remaining >= 0, remaining % 2 == 0 else { return nil }
                    lengths = [remaining / 2, remaining / 2]
                } else {
                    guard remaining >= 0 else { return nil }
                    lengths.append(remaining)
                }
            }
            headerSize = position - bytes.startIndex
            size = headerSize + lengths.reduce(0, +) + padding
            guard size <= bytes.count else { return nil }
            frameLengths = lengths
        }
    }

    /// The frames of a packet whose framing is `framing`, which starts at `packet.startIndex`.
    static func frames(of packet: ArraySlice<UInt8>, _ framing: PacketFraming) -> [ArraySlice<UInt8>] {
        var start = packet.startIndex + framing.headerSize
        return framing.frameLengths.map { length in
            defer { start += length }
            return packet[start..<start + length]
        }
    }

    /// Each stream of `packet` (one for mapping family 0) with its framing and its frames;
    /// `nil` when malformed.
    static func streams(of packet: ArraySlice<UInt8>, count: Int) -> [(framing: PacketFraming, frames: [ArraySlice<UInt8>])]? {
        var streams: [(framing: PacketFraming, frames: [ArraySlice<UInt8>])] = []
        var rest = packet
        for stream in 0..<count {
            guard let framing = PacketFraming(rest, selfDelimited: stream < count - 1) else { return nil }
            streams.append((framing, frames(of: rest, framing)))
            rest = rest.dropFirst(framing.size)
        }
        return streams
    }

    /// The header of every frame of every stream, when all streams of `packet` are CELT-only
    /// and no frame is left to packet loss concealment (which would continue the previous
    /// packet's mode); `nil` otherwise or when the packet is malformed.
    static func celtFrameHeaders(_ packet: ArraySlice<UInt8>, streamCount: Int) -> [[CELTFrameHeader]]? {
        guard let streams = streams(of: packet, count: streamCount),
              streams.allSatisfy({ $0.framing.mode == .celt && $0.frames.allSatisfy { $0.count >= 2 } })
        else { return nil }
        return streams.map { stream in stream.frames.map { CELTFrameHeader($0, lm: stream.framing.celtFrameSizeLog) } }
    }

    /// Per stream: whether the packet is CELT-only (`true`) or uses SILK (`false`); `nil` where
    /// a frame is left to packet loss concealment (the decoder keeps the previous mode) or the
    /// packet is malformed.
    static func streamUsesCELTOnly(_ packet: ArraySlice<UInt8>, streamCount: Int) -> [Bool?] {
        guard let streams = streams(of: packet, count: streamCount) else { return Array(repeating: nil, count: streamCount) }
        return streams.map { $0.frames.allSatisfy { $0.count >= 2 } ? $0.framing.mode == .celt : nil }
    }
}
