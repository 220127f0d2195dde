/// A range of frames cut into consecutive runs of at most `length` frames, so that a long range
/// is read and written a run at a time (``RecordingReader/extract(_:as:runFrames:_:)``): the
/// memory an extraction holds does not grow with the length of the range.
public struct SampleRuns: Sequence, IteratorProtocol, Sendable {
    /// The frames of one run an extraction holds at most by default (2^18: 1 MiB of 32-bit mono).
    public static let standardLength: Int64 = 1 << 18

    private var start: Int64
    private let end: Int64
    private let length: Int64

    /// The runs of `range`, each `length` frames long (at least 1) but the last.
    public init(_ range: Range<Int64>, length: Int64 = SampleRuns.standardLength) {
        start = range.lowerBound
        end = range.upperBound
        self.length = Swift.max(1, length)
    }

    public mutating func next() -> Range<Int64>? {
        guard start < end else { return nil }
        let runEnd = end - start > length ? start + length : end
        defer { start = runEnd }
        return start..<runEnd
    }
}
