#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

extension WavPack {
    /// Phase 1: every "wvpk" (memchr for the 'w', then the other three bytes).
    public struct BlockScanner: SyncScanner {
        public var lookahead: Int { BlockHeader.length }

        public init() {}

        public func scan(_ chunk: UnsafeRawBufferPointer, validPrefix: Int, into candidates: inout [Int]) {
            guard let base = chunk.baseAddress else { return }
            let end = min(validPrefix, chunk.count)
            var position = 0
            while position < end, let hit = memchr(base + position, 0x77, end - position) {
                let offset = UnsafeRawPointer(hit) - base
                if offset + 3 < chunk.count, chunk[offset + 1] == 0x76, chunk[offset + 2] == 0x70, chunk[offset + 3] == 0x6B {
                    candidates.append(offset)
                }
                position = offset + 1
            }
        }
    }

    /// A block that passed phase 2, at its blob offset.
    public struct BlockCandidate: Sendable, Equatable {
        public let offset: Int64
        public let header: BlockHeader
    }

    /// Why a candidate is not a block: a bad header, or a whole block that fails its checks.
    public enum BlockRejection: String, Error, Hashable, Sendable, CustomStringConvertible {
        case truncated = "header cut off"
        case badSize = "block size out of range"
        case badVersion = "unknown stream version"
        case badSamples = "sample count out of range"
        case cutOff = "block cut off"
        case structure = "metadata sub-blocks do not fill the block"
        case checksum = "block checksum mismatch"
        public var description: String { rawValue }
    }

    /// Phase 2: parses the header, then checks the whole block (structure and checksum).
    public struct BlockParser: FrameParser {
        public init() {}

        public func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Verdict<BlockCandidate, BlockRejection> {
            let header: BlockHeader
            switch BlockHeader.parse(bytes) {
            case .success(let parsed): header = parsed
            case .failure(.truncated): return .reject(.truncated)
            case .failure(.badSize): return .reject(.badSize)
            case .failure(.badVersion): return .reject(.badVersion)
            case .failure(.badSamples): return .reject(.badSamples)
            }
            guard bytes.count >= header.size else { return .incomplete(neededBytes: header.size, otherwise: .cutOff) }
            switch BlockVerification.verify(bytes, header: header) {
            case nil: return .accept(BlockCandidate(offset: offset, header: header))
            case .structure?: return .reject(.structure)
            case .checksum?: return .reject(.checksum)
            }
        }
    }

    /// The frame index: one row per frame (the blocks of all channels for one run of samples).
    public struct FrameIndex: Sendable, Equatable {
        public var byteOffsets: [Int64] = []
        public var frameSizes: [Int64] = []
        public var firstSamples: [Int64] = []
        /// Samples (per channel) of each frame.
        public var sampleCounts: [Int64] = []
        public var totalSamples: Int64 = 0
        /// Channels of the stream (the blocks of a frame together).
        public var channelCount = 0

        public var count: Int { byteOffsets.count }

        /// The row of the frame holding `sample`.
        func frame(containing sample: Int64) -> Int {
            SortedPositions.lastIndex(in: firstSamples, atOrBefore: sample)
        }
    }

    /// Phase 3: groups blocks into frames (initial to final, one block index and sample count)
    /// and checks sample continuity: each frame starts where the one before ended. A frame with
    /// a block missing (rejected in phase 2) is left out whole, leaving a gap that extraction
    /// refuses; the block indices in the headers say where the next frame starts. Blocks with
    /// no samples (metadata only) are skipped.
    struct FrameSequencer: SampleAccumulator {
        private var index = FrameIndex()
        private var current: (offset: Int64, end: Int64, header: BlockHeader, channels: Int)?
        private var firstBlockIndex: Int64?
        private var expectedNext: Int64?
        private(set) var rejected = RejectionCounts<Rejection>()

        /// What phase 3 leaves out or notes.
        enum Rejection: String, Hashable, Sendable, CustomStringConvertible {
            case missingFinalBlock = "frame without its final block"
            case blockOutsideFrame = "block outside a frame"
            case otherChannelCount = "frame with another channel count"
            case outOfOrder = "frame out of order"
            case gap = "gap (frames missing or damaged)"
            case lastFrameCutOff = "last frame cut off"
            var description: String { rawValue }
        }

        /// - Parameter streamStart: the block index in the stream's first block header, when it
        ///   parses: positions count from it, so damaged first frames shift nothing after them.
        init(streamStart: Int64? = nil) {
            firstBlockIndex = streamStart
            expectedNext = streamStart.map { _ in 0 }
        }

        mutating func accept(_ block: BlockCandidate) throws(CodecError) {
            let header = block.header
            guard header.blockSamples > 0 else { return }
            if header.isInitial {
                if current != nil { rejected.add(.missingFinalBlock) }
                current = (block.offset, block.offset + Int64(header.size), header, header.channels)
            } else if var frame = current, frame.header.blockIndex == header.blockIndex, frame.header.blockSamples == header.blockSamples,
                      block.offset == frame.end {
                frame.end += Int64(header.size)
                frame.channels += header.channels
                current = frame
            } else {
                rejected.add(.blockOutsideFrame)
                current = nil
                return
            }
            if header.isFinal, let frame = current {
                try commit(frame)
                current = nil
            }
        }

        private mutating func commit(_ frame: (offset: Int64, end: Int64, header: BlockHeader, channels: Int)) throws(CodecError) {
            let first = firstBlockIndex ?? frame.header.blockIndex
            firstBlockIndex = first
            if index.channelCount == 0 { index.channelCount = frame.channels }
            guard frame.channels == index.channelCount else {
                rejected.add(.otherChannelCount)
                return
            }
            let start = frame.header.blockIndex - first
            if let expected = expectedNext, start != expected {
                guard start > expected else {
                    rejected.add(.outOfOrder)
                    return
                }
                rejected.add(.gap)
            }
            index.byteOffsets.append(frame.offset)
            index.frameSizes.append(frame.end - frame.offset)
            index.firstSamples.append(start)
            index.sampleCounts.append(Int64(frame.header.blockSamples))
            expectedNext = start + Int64(frame.header.blockSamples)
        }

        mutating func finish() throws(CodecError) -> FrameIndex {
            if current != nil { rejected.add(.lastFrameCutOff) }
            current = nil
            index.totalSamples = expectedNext ?? 0
            return index
        }
    }
}
