extension WavPack {
    /// Checks a whole block: its metadata sub-blocks must fill it exactly (id byte, size in
    /// 16-bit words, 1 or 3 bytes; ID_LARGE 0x80, ID_ODD_SIZE 0x40), and when the header flags a
    /// trailing checksum (HAS_CHECKSUM, WavPack 5) the ID_BLOCK_CHECKSUM sub-block (0x2f) must
    /// hold the checksum of every 16-bit word before it: csum = csum * 3 + word, from 0xFFFFFFFF,
    /// 4 bytes as is or 2 bytes folded (csum ^ csum >> 16).
    enum BlockVerification {
        enum Failure: String, Error, Sendable {
            case structure = "metadata sub-blocks do not fill the block"
            case checksum = "block checksum mismatch"
        }

        static func verify(_ block: UnsafeRawBufferPointer, header: BlockHeader) -> Failure? {
            guard block.count >= header.size else { return .structure }
            var position = BlockHeader.length
            var checksumPassed = false
            while position + 2 <= header.size {
                let id = block[position]
                var size = Int(block[position + 1]) << 1
                position += 2
                if id & 0x80 != 0 {
                    guard position + 2 <= header.size else { return .structure }
                    size += Int(block[position]) << 9 + Int(block[position + 1]) << 17
                    position += 2
                }
                guard size <= header.size - position else { return .structure }
                if id & 0x3F == 0x2F {
                    guard id & 0x40 == 0, size == 2 || size == 4 else { return .structure }
                    // The checksum covers the words up to this sub-block's own header.
                    let sum = checksum(block, words: (position - (id & 0x80 != 0 ? 4 : 2)) / 2)
                    let stored = (0..<size).reduce(UInt32(0)) { $0 | UInt32(block[position + $1]) << (8 * $1) }
                    let expected = size == 4 ? sum : (sum ^ sum >> 16) & 0xFFFF
                    guard stored == expected else { return .checksum }
                    checksumPassed = true
                }
                position += size
            }
            guard position == header.size else { return .structure }
            return header.flags & 0x1000_0000 != 0 && !checksumPassed ? .checksum : nil
        }

        /// The block checksum of the first `words` 16-bit words of `block`.
        static func checksum(_ block: UnsafeRawBufferPointer, words: Int) -> UInt32 {
            var sum: UInt32 = 0xFFFF_FFFF
            for k in 0..<words { sum = sum &* 3 &+ UInt32(block[2 * k]) &+ UInt32(block[2 * k + 1]) << 8 }
            return sum
        }
    }
}
