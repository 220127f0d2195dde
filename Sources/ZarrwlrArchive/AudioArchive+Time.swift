import CodecCore
import ZarrStore

extension AudioArchive {
    /// Where the archive's recordings lie in time (those with a start instant).
    public func timeline() throws(CodecError) -> Timeline {
        Timeline(try recordings())
    }

    /// The archive's time index (``TimeIndex``).
    var timeIndex: TimeIndex { TimeIndex(store: store, prefix: child(Self.internalFolder) + "/time") }

    /// The recordings with samples between `since` and `until` (either open), in id order.
    /// Recordings whose start is unknown or naive have no place in time and are left out. Reads
    /// the recordings the time index names for that time, not the whole archive.
    public func recordings(since: Instant?, until: Instant?) throws(CodecError) -> [Summary] {
        let from = since?.secondsSinceEpoch ?? -Double.infinity, to = until?.secondsSinceEpoch ?? Double.infinity
        let summaries = try recordings(overlapping: from, to)
        let inSpan = Set(Timeline(summaries).entries.filter { $0.overlaps(from: from, to: to) }.map(\.id))
        return summaries.filter { inSpan.contains($0.id) }
    }

    /// The recordings covering `duration` seconds from `start` (``Timeline/span(at:duration:device:fillGaps:)``),
    /// found through the time index, with the summaries of those recordings.
    public func span(at start: Instant, duration: Double, device: String? = nil, fillGaps: Bool = false) throws(CodecError) -> (span: Timeline.Span, recordings: [Summary]) {
        let from = start.secondsSinceEpoch, to = from + (duration.isFinite ? max(0, duration) : 0)
        let summaries = try recordings(overlapping: from, to)
        do {
            let span = try Timeline(summaries).span(at: start, duration: duration, device: device, fillGaps: fillGaps)
            var used = Set<String>()
            for case .recording(let id, _) in span.pieces { used.insert(id) }
            return (span, summaries.filter { used.contains($0.id) })
        } catch where error.code == .invalidArgument {
            // Refused: the whole timeline names what the archive does cover (rare, so its cost is fine).
            _ = try timeline().span(at: start, duration: duration, device: device, fillGaps: fillGaps)
            throw error
        }
    }

    /// Writes the time index entries of every recording (listing the archive once) and marks the
    /// index complete: starts it in an archive made before it existed, and repairs entries a
    /// crash between a start change and its entry lost (`aimport verify` runs it).
    public func completeTimeIndex() throws(CodecError) {
        try timeIndex.start(with: try recordings())
    }

    /// Before a commit: the time index entries of recording `id` (the index started first when
    /// the archive has none, so that it is complete once this commit is).
    func recordInTime(id: String, facts: JSONValue?) throws(CodecError) {
        if !timeIndex.isComplete { try completeTimeIndex() }
        try timeIndex.record(Summary(id: id, attributes: facts ?? [:]))
    }

    /// The intact recordings that may have samples in `[from, to)`: those the time index names,
    /// each read from its own metadata, or every recording when the archive has no complete index.
    func recordings(overlapping from: Double, _ to: Double) throws(CodecError) -> [Summary] {
        guard let ids = try timeIndex.candidates(from: from, to: to) else { return try recordings() }
        var result: [Summary] = []
        for id in ids.sorted(by: { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }) {
            do {
                result.append(try summary(id))
            } catch where error.code == .invalidArgument || error.code == .corrupt {
                continue  // deleted since, or damaged (a timeline leaves damaged recordings out)
            }
        }
        return result
    }

    /// Streams the samples of `span` in order: each recording piece and each zero-filled gap in
    /// runs of at most `runFrames` frames, so memory does not grow with the span's length.
    public func extract(
        _ span: Timeline.Span, as format: SampleFormat, runFrames: Int = Int(SampleRuns.standardLength), _ body: (PCMBuffer) throws(CodecError) -> Void
    ) throws(CodecError) {
        for piece in span.pieces {
            switch piece {
            case .recording(let id, let range):
                let reader = try reader(for: id)
                do { try reader.extract(range, as: format, runFrames: runFrames, body) } catch { throw error.inRecording(id) }
            case .gap(let samples):
                for run in SampleRuns(0..<samples, length: Int64(runFrames)) {
                    try body(PCMBuffer.silence(frames: run.count, channelCount: span.channelCount, sampleRate: span.sampleRate, bitsPerSample: span.bitsPerSample, as: format))
                }
            }
        }
    }

    /// The samples of `duration` seconds from `start` across recordings, in one buffer (see
    /// ``Timeline/span(at:duration:device:fillGaps:)`` for what is refused).
    public func extract(at start: Instant, duration: Double, device: String? = nil, fillGaps: Bool = false, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
        let span = try span(at: start, duration: duration, device: device, fillGaps: fillGaps).span
        var pieces: [PCMBuffer] = []
        try extract(span, as: format) { pieces.append($0) }
        return PCMBuffer.concatenating(pieces, channelCount: span.channelCount, sampleRate: span.sampleRate, bitsPerSample: span.bitsPerSample, as: format)
    }
}
