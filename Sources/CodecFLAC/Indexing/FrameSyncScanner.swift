#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

extension FLAC {
    /// Phase 1: finds every 0xFF 0xF8 / 0xFF 0xF9 pair (RFC 9639 §9.1 frame sync plus the
    /// blocking strategy bit). `memchr` (vectorised in libc) finds the 0xFF bytes; in compressed
    /// audio they are about 1 in 256, so the scan runs at memory speed.
    public struct FrameSyncScanner: SyncScanner {
        /// The longest frame header: 2 sync + 2 codes + 7 coded number + 2 block size + 2 rate + 1 CRC.
        public var lookahead: Int { 16 }

        public init() {}

        public func scan(_ chunk: UnsafeRawBufferPointer, validPrefix: Int, into candidates: inout [Int]) {
            guard let base = chunk.baseAddress else { return }
            let end = min(validPrefix, chunk.count)
            var position = 0
            while position < end, let hit = memchr(base + position, 0xFF, end - position) {
                let offset = UnsafeRawPointer(hit) - base
                // The second byte may lie in the lookahead: a sync on the range edge is not lost.
                if offset + 1 < chunk.count, chunk[offset + 1] & 0xFE == 0xF8 { candidates.append(offset) }
                position = offset + 1
            }
        }
    }
}
