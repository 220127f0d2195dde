import ZarrStore

/// One segment's samples (interleaved, whole frames) in pieces of a few hundred KB, each handed
/// out once by ``nextPiece()``: a worker coding the segment frees every piece as soon as it has
/// coded it, so what it holds shrinks while its output grows and stays within about one
/// segment's samples.
public final class SegmentSamples: Sendable {
    private let remaining: ForkSafeMutex<[[Int32]]>
    /// All the segment's samples (over all channels).
    public let sampleCount: Int

    public init(_ pieces: [[Int32]]) {
        remaining = ForkSafeMutex(pieces.reversed())
        sampleCount = pieces.reduce(0) { $0 + $1.count }
    }

    /// The segment's size stored uncompressed, each sample in the whole bytes `bitsPerSample`
    /// take: the room an encoder reserves for its output.
    public func uncompressedBytes(bitsPerSample: Int) -> Int {
        sampleCount * ((bitsPerSample + 7) / 8)
    }

    /// The next piece in order, nil after the last; the segment keeps no reference to it.
    public func nextPiece() -> [Int32]? {
        remaining.withLock { $0.popLast() }
    }
}
