extension Ogg {
    /// A page that passed its checks (RFC 3533 §6), with what later phases need of its packets.
    public struct Page: Sendable, Equatable {
        public let offset: Int64
        /// Header, lacing values and body.
        public let size: Int
        public let serial: UInt32
        public let sequence: UInt32
        /// -1 when no packet ends on this page.
        public let granulePosition: Int64
        public let continuesPacket: Bool
        public let beginsStream: Bool
        public let endsStream: Bool
        /// Up to the first two bytes of each packet that starts on this page, in order.
        public let packetHeads: [[UInt8]]
        /// Whether the last packet that starts (or continues) here goes on to the next page.
        public let lastPacketContinues: Bool
        /// Packets that end on this page (including a continued one that ends here).
        public let completedPackets: Int

        /// Why a candidate is not a page.
        public enum Rejection: String, Error, Hashable, Sendable, CustomStringConvertible {
            case truncated = "page cut off"
            case unsupportedVersion = "unsupported stream structure version"
            case crcMismatch = "CRC-32 mismatch"
            public var description: String { rawValue }
        }

        /// The bytes a page starting at `bytes` takes, as far as `bytes` tells: the header, then
        /// its segment table, then the whole page.
        static func bytesNeeded(_ bytes: UnsafeRawBufferPointer) -> Int {
            guard bytes.count >= 27 else { return 27 }
            let segments = Int(bytes[26])
            guard bytes.count >= 27 + segments else { return 27 + segments }
            return (0..<segments).reduce(27 + segments) { $0 + Int(bytes[27 + $1]) }
        }

        /// Parses the page at the start of `bytes` (which begins with "OggS").
        static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Result<Page, Rejection> {
            guard bytes.count >= 27 else { return .failure(.truncated) }
            guard bytes[4] == 0 else { return .failure(.unsupportedVersion) }  // §6: version 0
            let segments = Int(bytes[26])
            guard bytes.count >= 27 + segments else { return .failure(.truncated) }
            var bodyBytes = 0
            for i in 0..<segments { bodyBytes += Int(bytes[27 + i]) }
            let size = 27 + segments + bodyBytes
            guard bytes.count >= size else { return .failure(.truncated) }
            let page = UnsafeRawBufferPointer(rebasing: bytes[0..<size])
            let stored = page.loadUnaligned(fromByteOffset: 22, as: UInt32.self).littleEndian
            guard CRC.pageChecksum(page) == stored else { return .failure(.crcMismatch) }

            let flags = bytes[5]
            // Packets: a lacing value below 255 ends one (§5); the first segments continue the
            // previous page's packet when flag 0x01 is set.
            var heads: [[UInt8]] = []
            var position = 27 + segments
            var inPacket = flags & 0x01 != 0
            var completed = 0
            for i in 0..<segments {
                let lacing = Int(bytes[27 + i])
                if !inPacket {
                    heads.append(Array(page[position..<min(position + 2, position + lacing, size)]))
                    inPacket = true
                }
                if lacing < 255 {
                    completed += 1
                    inPacket = false
                }
                position += lacing
            }
            return .success(Page(
                offset: offset, size: size,
                serial: page.loadUnaligned(fromByteOffset: 14, as: UInt32.self).littleEndian,
                sequence: page.loadUnaligned(fromByteOffset: 18, as: UInt32.self).littleEndian,
                granulePosition: Int64(bitPattern: page.loadUnaligned(fromByteOffset: 6, as: UInt64.self).littleEndian),
                continuesPacket: flags & 0x01 != 0, beginsStream: flags & 0x02 != 0, endsStream: flags & 0x04 != 0,
                packetHeads: heads, lastPacketContinues: inPacket, completedPackets: completed))
        }
    }
}
