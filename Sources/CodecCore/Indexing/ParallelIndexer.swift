/// The 3-phase indexer shared by all codecs.
///
/// The blob is cut into ranges aligned to its storage chunks. Phases 1 (sync scan) and 2
/// (candidate parse) run per range in parallel child tasks, each reading its range plus the
/// scanner's lookahead straight from the store, and more only for a candidate whose parser asks
/// for it; a candidate belongs to the range holding its first byte, so none is lost or
/// duplicated at edges. Phase 3 runs sequentially in blob order as range results arrive.
/// Memory is bounded by (range size + the largest frame) x workers.
/// With one worker the same code runs the ranges one after another; results are identical.
public struct ParallelIndexer<Scanner: SyncScanner, Parser: FrameParser, Accumulator: SampleAccumulator>: Sendable
where Accumulator.Frame == Parser.Frame {
    public let scanner: Scanner
    public let parser: Parser
    public let rangeBytes: Int
    public let workers: Int

    /// - Parameters:
    ///   - rangeBytes: bytes per range; callers align it to the blob's chunk size.
    ///   - workers: parallel range tasks (1 = sequential).
    public init(scanner: Scanner, parser: Parser, rangeBytes: Int, workers: Int) {
        self.scanner = scanner
        self.parser = parser
        self.rangeBytes = max(rangeBytes, 1)
        self.workers = max(workers, 1)
    }


    /// Indexes `blob[start..<blob.length]`, feeding accepted frames to `accumulator` in order.
    /// - Returns: the accumulator's index and the rejections of phases 2 and 3.
    public func run(
        over blob: BlobReader, from start: Int64, accumulator: consuming Accumulator
    ) async throws(CodecError) -> IndexingOutcome<Accumulator.Index, Parser.RejectReason, Accumulator.Rejection> {
        let total = blob.length
        let rangeCount = total > start ? Int((total - start + Int64(rangeBytes) - 1) / Int64(rangeBytes)) : 0
        var rejected = RejectionCounts<Parser.RejectReason>()
        var accumulator = accumulator
        let work = RangeWork(scanner: scanner, parser: parser, rangeBytes: rangeBytes)
        // From object storage each range waits for its requests: threads of their own keep `workers` of them in flight.
        let placement = BoundedTasks.Placement(readsAreRoundTrips: blob.array.readsAreRoundTrips)
        try await BoundedTasks.forEachInOrder(Array(0..<rangeCount), workers: workers, placement: placement, { (range) throws(CodecError) in
            try work.scanAndParse(range: range, of: blob, from: start)
        }) { (_, ready) throws(CodecError) in
            // Phase 3 in blob order, as soon as the next range is in.
            for frame in ready.frames { try accumulator.accept(frame) }
            rejected.merge(ready.rejected)
        }
        let index = try accumulator.finish()
        return IndexingOutcome(index: index, parseRejections: rejected, sequenceRejections: accumulator.rejected)
    }
}

/// What one run of the indexer produced.
public struct IndexingOutcome<Index, ParseReason: Hashable & Sendable & CustomStringConvertible, SequenceReason: Hashable & Sendable & CustomStringConvertible> {
    public var index: Index
    /// Candidates phase 2 rejected (false syncs, damaged headers, failed checksums).
    public var parseRejections: RejectionCounts<ParseReason>
    /// What phase 3 left out or noted (gaps, frames out of order, a cut-off last frame).
    public var sequenceRejections: RejectionCounts<SequenceReason>

    /// Both phases' counts keyed by description, as ``IndexReport/rejected`` holds them.
    public var rejectedByDescription: [String: Int] {
        parseRejections.described.merging(sequenceRejections.described, uniquingKeysWith: +)
    }
}

/// Phases 1 and 2 of one range: what the child tasks run. It knows only the scanner and the
/// parser, so tasks capture nothing of the accumulator.
struct RangeWork<Scanner: SyncScanner, Parser: FrameParser>: Sendable {
    let scanner: Scanner
    let parser: Parser
    let rangeBytes: Int

    /// What phases 1 and 2 found in one range.
    struct Result: Sendable {
        var frames: [Parser.Frame] = []
        var rejected = RejectionCounts<Parser.RejectReason>()
    }

    /// Phases 1 and 2 for range `index`.
    func scanAndParse(range index: Int, of blob: BlobReader, from start: Int64) throws(CodecError) -> Result {
        let rangeStart = start + Int64(index) * Int64(rangeBytes)
        let rangeEnd = min(rangeStart + Int64(rangeBytes), blob.length)
        let readEnd = min(rangeEnd + Int64(scanner.lookahead), blob.length)
        let bytes = try blob.read(rangeStart..<readEnd)
        var result = Result()
        var candidates: [Int] = []
        bytes.withUnsafeBytes { scanner.scan($0, validPrefix: Int(rangeEnd - rangeStart), into: &candidates) }
        for candidate in candidates {
            let offset = rangeStart + Int64(candidate)
            var verdict = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[candidate...]), at: offset) }
            var given = bytes.count - candidate
            // A candidate longer than the lookahead: read what the parser asks for, from the store.
            while case .incomplete(let needed, let otherwise) = verdict {
                guard needed > given, offset + Int64(needed) <= blob.length else {
                    verdict = .reject(otherwise)
                    break
                }
                let more = try blob.read(offset..<offset + Int64(needed))
                verdict = more.withUnsafeBytes { parser.parse($0, at: offset) }
                given = needed
            }
            switch verdict {
            case .accept(let frame): result.frames.append(frame)
            case .reject(let reason): result.rejected.add(reason)
            case .incomplete: break  // the loop above never leaves one
            }
        }
        return result
    }
}
