import CodecCore

extension FLAC {
    /// A frame header that passed phase 2, at its blob offset.
    public struct FrameCandidate: Sendable, Equatable {
        public let offset: Int64
        public let header: FrameHeader
    }

    /// Phase 2: parses the full header of a candidate and checks its CRC-8 and its agreement
    /// with STREAMINFO (rate, channels, sample size).
    public struct FrameHeaderParser: FrameParser {
        public let streamInfo: StreamInfo

        public init(streamInfo: StreamInfo) {
            self.streamInfo = streamInfo
        }

        public func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Verdict<FrameCandidate, FrameHeader.Rejection> {
            switch FrameHeader.parse(bytes, sampleNumbersWithoutStrategyBit: streamInfo.codesSampleNumbers) {
            case .success(let header):
                guard header.agrees(with: streamInfo) else { return .reject(.streamInfoMismatch) }
                return .accept(FrameCandidate(offset: offset, header: header))
            case .failure(let reason): return .reject(reason)
            }
        }
    }
}
