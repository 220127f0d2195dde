import CodecCore
import ZarrStore

extension AudioArchive {
    /// Where the archive's recordings lie in time (those with a start instant).
    public func timeline() throws(CodecError) -> Timeline {
        Timeline(try recordings())
    }

    /// The recordings with samples between `since` and `until` (either open), in id order.
    /// Recordings whose start is unknown or naive have no place in time and are left out.
    public func recordings(since: Instant?, until: Instant?) throws(CodecError) -> [Summary] {
        let from = since?.secondsSinceEpoch ?? -Double.infinity, to = until?.secondsSinceEpoch ?? Double.infinity
        let inSpan = Set(try timeline().entries.filter { $0.overlaps(from: from, to: to) }.map(\.id))
        return try recordings().filter { inSpan.contains($0.id) }
    }

    /// Streams the samples of `span` in order: each recording piece and each zero-filled gap in
    /// runs of at most `runFrames` frames, so memory does not grow with the span's length.
    public func extract(
        _ span: Timeline.Span, as format: SampleFormat, runFrames: Int = 1 << 18, _ body: (PCMBuffer) throws(CodecError) -> Void
    ) throws(CodecError) {
        let run = Int64(max(1, runFrames))
        for piece in span.pieces {
            switch piece {
            case .recording(let id, let range):
                let reader = try reader(for: id)
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = min(range.upperBound, start + run)
                    do { try body(try reader.extract(start..<end, as: format)) } catch { throw error.inRecording(id) }
                    start = end
                }
            case .gap(let samples):
                var left = samples
                while left > 0 {
                    let frames = Int(min(left, run))
                    try body(PCMBuffer.silence(frames: frames, channelCount: span.channelCount, sampleRate: span.sampleRate, bitsPerSample: span.bitsPerSample, as: format))
                    left -= Int64(frames)
                }
            }
        }
    }

    /// The samples of `duration` seconds from `start` across recordings, in one buffer (see
    /// ``Timeline/span(at:duration:device:fillGaps:)`` for what is refused).
    public func extract(at start: Instant, duration: Double, device: String? = nil, fillGaps: Bool = false, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
        let span = try timeline().span(at: start, duration: duration, device: device, fillGaps: fillGaps)
        var pieces: [PCMBuffer] = []
        try extract(span, as: format) { pieces.append($0) }
        return PCMBuffer.concatenating(pieces, channelCount: span.channelCount, sampleRate: span.sampleRate, bitsPerSample: span.bitsPerSample, as: format)
    }
}
