/// Phase 1 of indexing: finds candidate offsets of frame or page starts in a byte range.
/// False positives are fine (phase 2 rejects them); a missed real start is a bug.
public protocol SyncScanner: Sendable {
    /// Bytes read past the end of each range, so that phase 2 can judge most candidates near
    /// the end from what was read (a header's worth); a parser that needs more asks for it
    /// (``Verdict/incomplete(neededBytes:otherwise:)``).
    var lookahead: Int { get }

    /// Appends the offsets (relative to `chunk`) of candidates that start in
    /// `chunk[0..<validPrefix]`; bytes after `validPrefix` are lookahead belonging to the next
    /// range and may only be read to judge a candidate, never reported as one.
    func scan(_ chunk: UnsafeRawBufferPointer, validPrefix: Int, into candidates: inout [Int])
}

/// Phase 2 of indexing: decides one candidate in isolation (fields, reserved values, checksum).
public protocol FrameParser: Sendable {
    associatedtype Frame: Sendable
    associatedtype RejectReason: Hashable & Sendable & CustomStringConvertible

    /// Judges the candidate at blob offset `offset`; `bytes` starts at the candidate and runs
    /// to the end of the range plus lookahead (or the end of the blob), or is what an
    /// ``Verdict/incomplete(neededBytes:otherwise:)`` asked for.
    func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Verdict<Frame, RejectReason>
}

/// Phase 2's judgement of a candidate. A false sync is a value, not an error.
public enum Verdict<Frame: Sendable, Reason: Sendable>: Sendable {
    case accept(Frame)
    case reject(Reason)
    /// The candidate cannot be judged from fewer than `neededBytes` bytes from its start; the
    /// indexer reads them and asks again, or rejects it for `otherwise` when the blob ends first.
    case incomplete(neededBytes: Int, otherwise: Reason)
}

/// Phase 3 of indexing: sees accepted candidates in blob order and builds the index,
/// cross-checking positions (it verifies, it does not just sum).
public protocol SampleAccumulator {
    associatedtype Frame
    associatedtype Index
    /// Why phase 3 leaves a frame out or notes a break in the stream.
    associatedtype Rejection: Hashable & Sendable & CustomStringConvertible

    mutating func accept(_ frame: Frame) throws(CodecError)
    /// Ends the stream (judging its last frame) and returns the index.
    mutating func finish() throws(CodecError) -> Index
    /// What phase 3 left out or noted, per reason; complete after ``finish()``.
    var rejected: RejectionCounts<Rejection> { get }
}
