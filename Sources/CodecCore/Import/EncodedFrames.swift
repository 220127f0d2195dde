/// Where an encoder put each frame (or block) of the stream it wrote, noted as it wrote them:
/// the index of a freshly encoded stream, so that the import need not scan the blob again.
/// The backend checks it against the stream's own header before storing it (``isContiguous``
/// and the totals), and scans the blob when it does not hold.
public struct EncodedFrames: Sendable, Equatable {
    /// Byte offset of each frame in the blob.
    public private(set) var byteOffsets: [Int64] = []
    /// Bytes of each frame.
    public private(set) var sizes: [Int64] = []
    /// The first sample (per channel) of each frame.
    public private(set) var firstSamples: [Int64] = []
    /// Samples in all frames.
    public private(set) var totalSamples: Int64 = 0

    public init() {}

    public var count: Int { byteOffsets.count }

    /// Notes a frame of `bytes` bytes holding `samples` samples, written at `offset`.
    public mutating func add(at offset: Int64, bytes: Int, samples: Int) {
        byteOffsets.append(offset)
        sizes.append(Int64(bytes))
        firstSamples.append(totalSamples)
        totalSamples += Int64(samples)
    }

    /// Whether the frames follow each other without gap or overlap from `start` to `end`.
    public func isContiguous(from start: Int64, to end: Int64) -> Bool {
        var expected = start
        for (offset, size) in zip(byteOffsets, sizes) {
            guard offset == expected, size > 0 else { return false }
            expected += size
        }
        return expected == end
    }
}
