import CodecCore

extension WavPack {
    /// Rewrites header fields of blocks libwavpack wrote, keeping every block's checksum
    /// (ID_BLOCK_CHECKSUM covers the header) true: a segment encoded on its own is numbered from
    /// sample 0 and moved to where it lies in the stream, and the first block gets the stream's
    /// total once it is known (as `WavpackUpdateNumSamples` does).
    enum BlockRenumbering {
        /// The largest block index or total the 40-bit header fields hold.
        static let maximumSample: Int64 = (1 << 40) - 2

        /// Adds `offset` to the block index of every block in `blocks`.
        static func shiftIndexes(in blocks: inout [UInt8], by offset: Int64) throws(CodecError) {
            guard offset != 0 else { return }
            try forEachBlock(in: &blocks) { (bytes, at, header) throws(CodecError) in
                let index = header.blockIndex + offset
                guard index <= maximumSample else { throw CodecError(.unsupported, "the stream is too long for WavPack's 40-bit sample index", codec: WavPack.codecID) }
                bytes[at + 10] = UInt8(truncatingIfNeeded: index >> 32)
                for k in 0..<4 { bytes[at + 16 + k] = UInt8(truncatingIfNeeded: index >> (8 * k)) }
            }
        }

        /// Sets the total sample count in the first block's header (wavpack.h's
        /// SET_TOTAL_SAMPLES: above 2^32 - 2 the count skips the value meaning "unknown").
        static func setTotalSamples(_ total: Int64, inFirstBlockOf blocks: inout [UInt8]) throws(CodecError) {
            guard (0...maximumSample).contains(total) else { throw CodecError(.unsupported, "the stream is too long for WavPack's 40-bit sample count", codec: WavPack.codecID) }
            let stored = total + total / 0xFFFF_FFFF
            var first = true
            try forEachBlock(in: &blocks) { (bytes, at, _) throws(CodecError) in
                guard first else { return }
                first = false
                bytes[at + 11] = UInt8(truncatingIfNeeded: stored >> 32)
                for k in 0..<4 { bytes[at + 12 + k] = UInt8(truncatingIfNeeded: stored >> (8 * k)) }
            }
        }

        /// Runs `change` on each block's header (the block at `at` of `bytes`), then writes the
        /// block's checksum anew.
        private static func forEachBlock(
            in bytes: inout [UInt8], _ change: (inout [UInt8], Int, BlockHeader) throws(CodecError) -> Void
        ) throws(CodecError) {
            for (at, header) in try BlockHeader.blocks(in: bytes) {
                try change(&bytes, at, header)
                try rewriteChecksum(ofBlockAt: at, size: header.size, in: &bytes)
            }
        }

        /// Writes the ID_BLOCK_CHECKSUM sub-block (0x2F) of the block at `at`, if it has one, for
        /// the block's bytes as they are now (``BlockVerification/checksum(_:words:)``).
        private static func rewriteChecksum(ofBlockAt at: Int, size: Int, in bytes: inout [UInt8]) throws(CodecError) {
            var position = BlockHeader.length
            while position + 2 <= size {
                let id = bytes[at + position]
                var length = Int(bytes[at + position + 1]) << 1
                let headerBytes = id & 0x80 != 0 ? 4 : 2
                if id & 0x80 != 0 { length += Int(bytes[at + position + 2]) << 9 + Int(bytes[at + position + 3]) << 17 }
                if id & 0x3F == 0x2F, length == 2 || length == 4 {
                    let sum = bytes.withUnsafeBytes { raw in
                        BlockVerification.checksum(UnsafeRawBufferPointer(rebasing: raw[at..<at + size]), words: position / 2)
                    }
                    let value = length == 4 ? sum : (sum ^ sum >> 16) & 0xFFFF
                    for k in 0..<length { bytes[at + position + headerBytes + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
                    return
                }
                position += headerBytes + length
            }
        }
    }
}
