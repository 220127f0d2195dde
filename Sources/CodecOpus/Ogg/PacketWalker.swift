import CodecCore

extension Ogg {
    /// Yields the packets of consecutive pages held in memory, in order, checking every page's
    /// CRC and sequence number. A packet continued from before the first page is skipped (its
    /// start is not here); a packet still open at the end is not returned. A packet inside one
    /// page is a slice of the bytes, not a copy.
    struct PacketWalker {
        private let bytes: [UInt8]
        private let baseOffset: Int64
        private var pageStart = 0
        private var pending: [UInt8] = []
        /// The page offset where `pending` began.
        private var pendingPage: Int64?
        /// True while dropping the tail of a packet that began before the first page.
        private var skipping = false
        private var ready: [(packet: ArraySlice<UInt8>, pageOffset: Int64)] = []
        private var readyIndex = 0
        private var expectedSequence: UInt32?

        init(bytes: [UInt8], baseOffset: Int64) {
            self.bytes = bytes
            self.baseOffset = baseOffset
        }

        /// The next complete packet and the offset of the page it started on, or nil at the end.
        mutating func next() throws(CodecError) -> (packet: ArraySlice<UInt8>, pageOffset: Int64)? {
            while readyIndex == ready.count {
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                guard pageStart + 27 <= bytes.count else { return nil }
                try readPage()
            }
            defer { readyIndex += 1 }
            return ready[readyIndex]
        }

        private mutating func readPage() throws(CodecError) {
            let offset = baseOffset + Int64(pageStart)
            let parsed = bytes.withUnsafeBytes { raw in Page.parse(UnsafeRawBufferPointer(rebasing: raw[pageStart...]), at: offset) }
            let page: Page
            switch parsed {
            case .success(let p): page = p
            case .failure(.truncated):
                pageStart = bytes.count
                return
            case .failure(let reason):
                throw CodecError(.corrupt, "damaged Ogg page: \(reason)", codec: Opus.codecID, byteOffset: offset)
            }
            if let expectedSequence, page.sequence != expectedSequence {
                throw CodecError(.corrupt, "Ogg pages missing before this one (sequence \(page.sequence), expected \(expectedSequence))", codec: Opus.codecID, byteOffset: offset)
            }
            if expectedSequence == nil { skipping = page.continuesPacket }
            expectedSequence = page.sequence &+ 1
            let segments = Int(bytes[pageStart + 26])
            var position = pageStart + 27 + segments
            // Where the packet being laced began on this page.
            var packetStart = position
            for i in 0..<segments {
                let lacing = Int(bytes[pageStart + 27 + i])
                position += lacing
                guard lacing < 255 else { continue }
                // RFC 3533 §5: a lacing value below 255 ends the packet.
                if !skipping {
                    if let pendingPage {
                        ready.append((ArraySlice(pending + bytes[packetStart..<position]), pendingPage))
                    } else {
                        ready.append((bytes[packetStart..<position], offset))
                    }
                }
                pending.removeAll(keepingCapacity: true)
                pendingPage = nil
                skipping = false
                packetStart = position
            }
            if packetStart < position && !skipping {  // continues on the next page
                if pendingPage == nil { pendingPage = offset }
                pending.append(contentsOf: bytes[packetStart..<position])
            }
            pageStart += page.size
        }
    }
}
