#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

extension FramedPCM {
    /// A frame that passed phase 2.
    public struct Frame: Sendable, Equatable {
        public let offset: Int64
        public let size: Int
        public let firstSample: Int64
        public let samples: Int
    }

    /// Phase 1: every "ZFRM".
    struct Scanner: SyncScanner {
        var lookahead: Int { frameHeaderBytes }

        func scan(_ chunk: UnsafeRawBufferPointer, validPrefix: Int, into candidates: inout [Int]) {
            guard let base = chunk.baseAddress else { return }
            let end = min(validPrefix, chunk.count)
            var position = 0
            while position < end, let hit = memchr(base + position, 0x5A, end - position) {
                let offset = UnsafeRawPointer(hit) - base
                if offset + 3 < chunk.count, chunk[offset + 1] == 0x46, chunk[offset + 2] == 0x52, chunk[offset + 3] == 0x4D { candidates.append(offset) }
                position = offset + 1
            }
        }
    }

    /// Why a candidate is not a frame.
    enum Rejection: String, Hashable, Sendable, CustomStringConvertible {
        case truncated = "header cut off"
        case badSize = "frame size out of range"
        case cutOff = "frame cut off"
        case checksum = "CRC-32 mismatch"
        var description: String { rawValue }
    }

    /// Phase 2: the header, then the payload's CRC-32 (it asks for the whole frame).
    struct Parser: FrameParser {
        let stream: StreamHeader

        func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Verdict<Frame, Rejection> {
            guard bytes.count >= frameHeaderBytes else { return .reject(.truncated) }
            let first = FramedPCM.le(bytes, 4, 8), samples = Int(FramedPCM.le(bytes, 12, 4)), crc = UInt32(FramedPCM.le(bytes, 16, 4))
            let payload = samples.multipliedReportingOverflow(by: stream.channels * stream.bytesPerSample)
            guard samples > 0, !payload.overflow, payload.partialValue <= maximumFrameBytes, first < UInt64(Int64.max / 2) else { return .reject(.badSize) }
            let size = frameHeaderBytes + payload.partialValue
            guard bytes.count >= size else { return .incomplete(neededBytes: size, otherwise: .cutOff) }
            guard FramedPCM.crc32(UnsafeRawBufferPointer(rebasing: bytes[frameHeaderBytes..<size])) == crc else { return .reject(.checksum) }
            return .accept(Frame(offset: offset, size: size, firstSample: Int64(first), samples: samples))
        }
    }

    /// The frame index: one row per frame, in stream order.
    public struct FrameIndex: Sendable, Equatable {
        public var frames: [Frame] = []
        public var totalSamples: Int64 = 0
    }

    /// Phase 3: frames must not overlap and must follow each other; a frame lost to damage
    /// leaves a gap (its samples are refused at extraction).
    struct Sequencer: SampleAccumulator {
        private var index = FrameIndex()
        private(set) var rejected = RejectionCounts<Rejection>()

        /// What phase 3 leaves out or notes.
        enum Rejection: String, Hashable, Sendable, CustomStringConvertible {
            case overlapping = "overlapping frame"
            case gap = "gap (frames damaged)"
            var description: String { rawValue }
        }

        mutating func accept(_ frame: Frame) throws(CodecError) {
            if let last = index.frames.last {
                guard frame.offset >= last.offset + Int64(last.size), frame.firstSample >= last.firstSample + Int64(last.samples) else {
                    rejected.add(.overlapping)
                    return
                }
                if frame.firstSample > last.firstSample + Int64(last.samples) { rejected.add(.gap) }
            }
            index.frames.append(frame)
        }

        mutating func finish() throws(CodecError) -> FrameIndex {
            index.totalSamples = index.frames.last.map { $0.firstSample + Int64($0.samples) } ?? 0
            return index
        }
    }
}
