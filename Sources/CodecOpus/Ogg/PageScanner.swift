#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

extension Ogg {
    /// Phase 1: finds every "OggS" capture pattern (RFC 3533 §6). The lookahead covers the
    /// largest page header (27 bytes and 255 lacing values); the parser asks for the rest of a
    /// page that starts near the end of a range.
    public struct PageScanner: SyncScanner {
        public var lookahead: Int { 27 + 255 }

        public init() {}

        public func scan(_ chunk: UnsafeRawBufferPointer, validPrefix: Int, into candidates: inout [Int]) {
            guard let base = chunk.baseAddress else { return }
            let end = min(validPrefix, chunk.count)
            var position = 0
            while position < end, let hit = memchr(base + position, 0x4F, end - position) {  // "O"
                let offset = UnsafeRawPointer(hit) - base
                if offset + 4 <= chunk.count, chunk[offset + 1] == 0x67, chunk[offset + 2] == 0x67, chunk[offset + 3] == 0x53 {
                    candidates.append(offset)
                }
                position = offset + 1
            }
        }
    }

    /// Phase 2: parses a candidate page and verifies its CRC-32.
    public struct PageParser: FrameParser {
        public init() {}

        public func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Verdict<Page, Page.Rejection> {
            switch Page.parse(bytes, at: offset) {
            case .success(let page): return .accept(page)
            case .failure(.truncated): return .incomplete(neededBytes: Page.bytesNeeded(bytes), otherwise: .truncated)
            case .failure(let reason): return .reject(reason)
            }
        }
    }
}
