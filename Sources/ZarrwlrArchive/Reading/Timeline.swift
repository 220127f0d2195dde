import CodecCore
import ZarrStore

/// Where recordings lie in time: from each recording's start instant (only starts with a known
/// offset count; a naive file-name time names no instant) and its length in samples.
public struct Timeline: Sendable {
    /// One recording on the timeline.
    public struct Entry: Sendable {
        public let id: String
        public let start: Instant
        public let totalSamples: Int64
        public let sampleRate: Int
        public let channelCount: Int
        public let bitsPerSample: Int
        /// Whether the samples are 32-bit floats.
        public let isFloat: Bool
        /// The recorder that made it, when the metadata says (``AudioArchive/Summary/device``).
        public let device: String?
        /// Every name of the recorder the metadata holds (``AudioArchive/Summary/deviceNames``).
        public let deviceNames: [String]

        /// Whether `name` is one of the recorder's names, whatever its case.
        public func isDevice(_ name: String) -> Bool {
            deviceNames.contains { $0.caseInsensitiveCompare(name) == .orderedSame }
        }

        /// Seconds since 1970 just after the last sample.
        public var endSeconds: Double { start.secondsSinceEpoch + Double(totalSamples) / Double(sampleRate) }

        /// Whether the recording has samples in `[from, to)` (seconds since 1970).
        public func overlaps(from: Double, to: Double) -> Bool { start.secondsSinceEpoch < to && endSeconds > from }

        /// "3 (AudioMoth 24F3190361DA4AE1, 2025-04-16T04:00:00Z, 3600.000 s)"
        public var label: String {
            "\(id) (\(device.map { "device \($0), " } ?? "")\(start.text), \(sampleRate) Hz, \(channelCount) ch, \(String(format: "%.3f", Double(totalSamples) / Double(sampleRate))) s)"
        }
    }

    public let entries: [Entry]

    /// The timeline of the intact recordings among `summaries` whose start instant is known.
    public init(_ summaries: [AudioArchive.Summary]) {
        entries = summaries.compactMap { summary in
            guard summary.damage == nil, let text = summary.startTime, let start = Instant(text),
                  let description = summary.recordingDescription, description.totalSamples > 0 else { return nil }
            return Entry(
                id: summary.id, start: start, totalSamples: description.totalSamples, sampleRate: description.sampleRate,
                channelCount: description.channelCount, bitsPerSample: description.bitsPerSample, isFloat: description.isFloat,
                device: summary.device, deviceNames: summary.deviceNames)
        }.sorted { $0.start.secondsSinceEpoch < $1.start.secondsSinceEpoch }
    }

    /// What a wall-clock span is made of, in output order.
    public enum Piece: Sendable, Equatable {
        /// Samples `range` of recording `id`.
        case recording(id: String, range: Range<Int64>)
        /// Samples no recording holds.
        case gap(samples: Int64)

        public var sampleCount: Int64 {
            switch self {
            case .recording(_, let range): Int64(range.count)
            case .gap(let samples): samples
            }
        }
    }

    /// A wall-clock span resolved into recordings and gaps.
    public struct Span: Sendable {
        public let pieces: [Piece]
        public let sampleRate: Int
        public let channelCount: Int
        public let bitsPerSample: Int
        /// Whether the samples are 32-bit floats.
        public let isFloat: Bool
        /// The gaps, as (seconds after the span start, seconds long).
        public let gaps: [(offset: Double, length: Double)]
        /// The instant of the span's first sample.
        public let start: Instant
        public var totalSamples: Int64 { pieces.reduce(0) { $0 + $1.sampleCount } }
    }

    /// The recordings covering `duration` seconds from `start`, stitched sample-exactly: each
    /// recording's samples sit at `round((its start - span start) x rate)`.
    /// - Throws: ``CodecError/Code/invalidArgument`` when nothing covers the span, when the
    ///   candidates differ in rate or channel count, when several devices (or overlapping
    ///   recordings of one) cover it and `device` does not choose, or when the span falls in a
    ///   gap and `fillGaps` is false; each message names the gap or lists the candidates.
    public func span(at start: Instant, duration: Double, device: String? = nil, fillGaps: Bool = false) throws(CodecError) -> Span {
        guard duration.isFinite, duration > 0, duration <= 1e9 else {
            throw CodecError(.invalidArgument, "the duration must be a positive number of seconds, not \(duration)")
        }
        let from = start.secondsSinceEpoch, to = from + duration
        var candidates = entries.filter { $0.overlaps(from: from, to: to) }
        if let device { candidates = candidates.filter { $0.isDevice(device) } }
        guard let first = candidates.first else {
            let known = entries.isEmpty ? "no recording in the archive has a start time with a zone" : "recordings with start times cover \(entries[0].start.text) to \(Instant.utcText(entries.map(\.endSeconds).max() ?? 0))"
            let names = Set(entries.compactMap(\.device)).sorted().joined(separator: ", ")
            let devicesKnown = device != nil && !names.isEmpty ? "; devices in the archive: \(names)" : ""
            throw CodecError(.invalidArgument, "no recording\(device.map { " of device \($0)" } ?? "") covers \(start.text) + \(duration) s (\(known)\(devicesKnown))")
        }
        let list = candidates.map(\.label).joined(separator: "; ")
        guard candidates.allSatisfy({ $0.sampleRate == first.sampleRate && $0.channelCount == first.channelCount && $0.isFloat == first.isFloat }) else {
            throw CodecError(.invalidArgument, "the recordings covering the span differ in sample rate, channel count or sample format: \(list); extract from each with `extract ID`")
        }
        let devices = Set(candidates.map { $0.device ?? "" })
        if device == nil && devices.count > 1 {
            throw CodecError(.invalidArgument, "recordings of \(devices.count) devices cover the span: \(list); choose one with --device")
        }
        let rate = Double(first.sampleRate)
        let total = Self.samples(duration * rate)
        var pieces: [Piece] = []
        var gaps: [(offset: Double, length: Double)] = []
        var cursor: Int64 = 0
        var previous: Entry?
        func addGap(until end: Int64) {
            guard end > cursor else { return }
            pieces.append(.gap(samples: end - cursor))
            gaps.append((Double(cursor) / rate, Double(end - cursor) / rate))
            cursor = end
        }
        for entry in candidates {
            let offset = Self.samples((entry.start.secondsSinceEpoch - from) * rate)
            if offset < cursor, let previous {
                let overlap = previous.endSeconds - entry.start.secondsSinceEpoch
                let inSpan = Double(cursor - offset) / rate
                throw CodecError(.invalidArgument, "recordings \(previous.id) and \(entry.id) overlap by \(String(format: "%.3f", overlap)) s (\(String(format: "%.3f", inSpan)) s of it inside the span asked for): \(list); extract from each with `extract ID`, or choose one recorder with --device")
            }
            addGap(until: min(max(offset, 0), total))
            let firstSample = max(0, cursor - offset)
            let lastSample = min(entry.totalSamples, total - offset)
            if lastSample > firstSample {
                pieces.append(.recording(id: entry.id, range: firstSample..<lastSample))
                cursor = offset + lastSample
            }
            previous = entry
        }
        addGap(until: total)
        if !fillGaps, let gap = gaps.first {
            throw CodecError(.invalidArgument, "the span has no recording from \(Instant.utcText(from + gap.offset)) for \(String(format: "%.3f", gap.length)) s\(gaps.count > 1 ? " (and \(gaps.count - 1) more gaps)" : ""); add --fill-gaps to fill gaps with zeros")
        }
        return Span(pieces: pieces, sampleRate: first.sampleRate, channelCount: first.channelCount, bitsPerSample: first.bitsPerSample, isFloat: first.isFloat, gaps: gaps, start: start)
    }

    /// A sample position from seconds x rate, rounded; positions beyond +-2^61 (thousands of
    /// years at any rate a description allows) are clamped there, far outside any span, so no
    /// start time or rate read from a store can overflow the conversion.
    static func samples(_ product: Double) -> Int64 {
        let limit = Double(1 << 61)
        guard product.isFinite else { return product > 0 ? Int64(1 << 61) : -Int64(1 << 61) }
        return Int64(min(max(product.rounded(), -limit), limit))
    }
}
