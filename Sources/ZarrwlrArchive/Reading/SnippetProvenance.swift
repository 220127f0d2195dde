import AudioInput
import CodecCore
import ZarrStore

/// What an extracted snippet says of where it came from: a GUANO text (read by Raven,
/// Kaleidoscope, SonoBat) with the instant of its first sample when the recording's start is
/// known, the recorder's Make, Model and Serial and the other source GUANO fields that still
/// apply, and in the `zarrwlr|` namespace the recording id and the first sample's index.
public enum SnippetProvenance {
    /// Source GUANO fields that describe the original file as a whole, not a snippet of it.
    static let recomputed: Set<String> = ["GUANO|Version", "Timestamp", "Length", "Samplerate", "Original Filename"]

    /// The most range starts `zarrwlr|First Sample` lists (a snippet of a million ranges keeps
    /// the first ones and their count, not a header of megabytes).
    public static let maximumListedStarts = 1_000

    /// The provenance of `frames` frames of recording `summary` made of `ranges` ranges (default:
    /// one per first sample) starting at `firstSamples` (the first ``maximumListedStarts`` of
    /// them), one after another. Only a single range has a Timestamp: in a file of
    /// several, time does not run on from the first sample. A naive start (a local time of
    /// unknown zone) gives a naive Timestamp, as GUANO allows: a local time, no offset invented.
    /// - Parameter extra: more fields (a clip's label, confidence, band).
    public static func forRecording(
        _ summary: AudioArchive.Summary, firstSamples: [Int64], ranges: Int? = nil, frames: Int64, sampleRate: Int, extra: [String: String] = [:]
    ) -> PCMFileWriter.Provenance {
        let ranges = ranges ?? firstSamples.count
        var start: String?
        if ranges == 1, let first = firstSamples.first {
            let offset = Double(first) / Double(sampleRate)
            start = summary.startInstant.map { $0.adding(seconds: offset).text } ?? summary.startTime.flatMap(LocalTime.init).map { $0.adding(seconds: offset).text }
        }
        var fields = sourceFields(summary)
        fields["zarrwlr|Recording"] = summary.id
        fields["zarrwlr|First Sample"] = firstSamples.prefix(maximumListedStarts).map(String.init).joined(separator: ",") + (ranges > maximumListedStarts ? ",..." : "")
        if ranges > 1 { fields["zarrwlr|Ranges"] = String(ranges) }
        if let name = summary.sourceFile { fields["Original Filename"] = name }
        fields.merge(extra) { _, new in new }
        return provenance(fields, start: start, frames: frames, sampleRate: sampleRate)
    }

    /// The provenance of a wall-clock span starting at `start` made of `recordings`.
    public static func forSpan(_ span: Timeline.Span, recordings: [AudioArchive.Summary]) -> PCMFileWriter.Provenance {
        var fields: [String: String] = recordings.first.map(sourceFields) ?? [:]
        var ids: [String] = [], firsts: [String] = []
        for case .recording(let id, let range) in span.pieces {
            ids.append(id)
            firsts.append(String(range.lowerBound))
        }
        fields["zarrwlr|Recording"] = ids.joined(separator: ",")
        fields["zarrwlr|First Sample"] = firsts.joined(separator: ",")
        if !span.gaps.isEmpty { fields["zarrwlr|Gaps Filled"] = span.gaps.map { String(format: "%.6f+%.6f", $0.offset, $0.length) }.joined(separator: ",") }
        let names = recordings.compactMap(\.sourceFile)
        if !names.isEmpty { fields["Original Filename"] = names.joined(separator: ",") }
        // Written in the form GUANO readers parse, with the offset the span was asked in.
        let start = Instant(secondsSinceEpoch: span.start.secondsSinceEpoch, offsetMinutes: span.start.offsetMinutes)
        return provenance(fields, start: start.text, frames: span.totalSamples, sampleRate: span.sampleRate)
    }

    /// Make, Model, Serial and the still-valid fields of the source's GUANO.
    static func sourceFields(_ summary: AudioArchive.Summary) -> [String: String] {
        var fields: [String: String] = [:]
        let metadata = summary.attributes["metadata"]
        for (key, value) in metadata?["guano"]?.objectValue ?? [:] where !recomputed.contains(key) {
            if let text = value.stringValue { fields[key] = text }
        }
        if let audioMoth = metadata?["audiomoth"] {
            fields["Make"] = fields["Make"] ?? "Open Acoustic Devices"
            fields["Model"] = fields["Model"] ?? "AudioMoth"
            if let serial = audioMoth["device_id"]?.stringValue { fields["Serial"] = fields["Serial"] ?? serial }
        }
        if let wamd = metadata?["wamd"] {
            fields["Make"] = fields["Make"] ?? "Wildlife Acoustics"
            if let model = wamd["model"]?.stringValue { fields["Model"] = fields["Model"] ?? model }
            if let serial = wamd["serial"]?.stringValue { fields["Serial"] = fields["Serial"] ?? serial }
            if let firmware = wamd["firmware"]?.stringValue { fields["Firmware Version"] = fields["Firmware Version"] ?? firmware }
        }
        if let device = metadata?["user"]?["device"]?.stringValue { fields["Serial"] = fields["Serial"] ?? device }
        return fields
    }

    static func provenance(_ given: [String: String], start: String?, frames: Int64, sampleRate: Int) -> PCMFileWriter.Provenance {
        var fields = given
        fields["Samplerate"] = String(sampleRate)
        fields["Length"] = String(format: "%.6f", Double(frames) / Double(sampleRate))
        if let start { fields["Timestamp"] = start }
        let lines = ["GUANO|Version: 1.0"] + fields.keys.sorted().map { key in
            "\(key): \(fields[key, default: ""].replacingOccurrences(of: "\n", with: " "))"
        }
        return PCMFileWriter.Provenance(guano: lines.joined(separator: "\n") + "\n", timestamp: start)
    }
}
