import CodecCore

extension FLAC {
    /// Phase 1: finds every 0xFF 0xF8 / 0xFF 0xF9 pair (RFC 9639 §9.1 frame sync plus the
    /// blocking strategy bit). Words without an 0xFF byte are skipped eight bytes at a time.
    public struct FrameSyncScanner: SyncScanner {
        /// The longest frame header: 2 sync + 2 codes + 7 coded number + 2 block size + 2 rate + 1 CRC.
        public var lookahead: Int { 16 }

        public init() {}

        public func scan(_ chunk: UnsafeRawBufferPointer, validPrefix: Int, into candidates: inout [Int]) {
            let end = min(validPrefix, chunk.count)
            var i = 0
            // Eight bytes at a time: (x ^ ~0) has a zero byte exactly where x has 0xFF.
            while i + 8 <= end {
                let word = chunk.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let inverted = ~word
                let hasFF = (inverted &- 0x0101_0101_0101_0101) & ~inverted & 0x8080_8080_8080_8080
                if hasFF == 0 {
                    i += 8
                    continue
                }
                for j in i..<i + 8 { check(chunk, at: j, into: &candidates) }
                i += 8
            }
            while i < end {
                check(chunk, at: i, into: &candidates)
                i += 1
            }
        }

        @inline(__always)
        private func check(_ chunk: UnsafeRawBufferPointer, at j: Int, into candidates: inout [Int]) {
            // The second byte may lie in the lookahead: a sync on the range edge is not lost.
            if chunk[j] == 0xFF, j + 1 < chunk.count, chunk[j + 1] & 0xFE == 0xF8 { candidates.append(j) }
        }
    }
}
