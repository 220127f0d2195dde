import CodecCore
import Foundation

/// A layer written back out as a table: Raven Pro's selection table (what Raven opens and draws
/// as the same boxes) or a plain CSV with samples and seconds.
///
/// Raven: one row per selection in view `Spectrogram 1`; `Begin Time (s)` runs on across the
/// recordings the layer touches, in the order of their start instants (then ids), as Raven does
/// for a multi-file table whose files are opened in that order, and each row has `Begin File`
/// and `File Offset (s)`; times are printed to the nanosecond, so that reading the export back
/// gives the same samples. A row without a band is written 0 Hz to the Nyquist frequency (Raven
/// needs one); the label goes back under its original column name (else `Annotation`).
///
/// A row of a recording no longer in the archive (deleted by an earlier version, which left its
/// rows in the layers) has no rate, file or start: the Raven table leaves it out, the CSV gives
/// its samples with the rate, seconds and file empty; ``write(_:as:recordings:to:)`` counts them.
public enum LayerExport {
    public enum Format: String, Sendable, CaseIterable {
        case raven, csv
    }

    /// Hands the table's lines to `emit` one at a time (each without its line break), so that
    /// the text of a large layer is never held whole.
    /// The layer is read a chunk of rows at a time (``AnnotationLayer/forEachRow(_:)``).
    /// - Returns: the rows of recordings that are not in `recordings` (left out of a Raven table,
    ///   without seconds in a CSV).
    @discardableResult
    public static func write(_ layer: AnnotationLayer, as format: Format, recordings: [AudioArchive.Summary], to emit: (String) throws(CodecError) -> Void) throws(CodecError) -> Int {
        let byID = Dictionary(recordings.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return format == .raven ? try raven(layer, byID, emit) : try csv(layer, byID, emit)
    }

    private static func seconds(_ samples: Int64, _ rate: Int) -> String { String(format: "%.9f", Double(samples) / Double(rate)) }

    private static func raven(_ layer: AnnotationLayer, _ byID: [String: AudioArchive.Summary], _ emit: (String) throws(CodecError) -> Void) throws(CodecError) -> Int {
        let order = layer.recordings.filter { byID[$0] != nil }.sorted { a, b in
            let (x, y) = (byID[a]?.startInstant?.secondsSinceEpoch ?? .infinity, byID[b]?.startInstant?.secondsSinceEpoch ?? .infinity)
            return x != y ? x < y : (Int(a) ?? .max, a) < (Int(b) ?? .max, b)
        }
        var runOn: [String: Double] = [:]
        var elapsed = 0.0
        for id in order {
            runOn[id] = elapsed
            elapsed += byID[id]?.duration ?? 0
        }
        let hasConfidence = try layer.hasConfidence()
        var header = ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)", "Begin File", "File Offset (s)", layer.labelColumn ?? "Annotation"]
        if hasConfidence { header.append("Confidence") }
        header += layer.extraColumns
        try emit(header.joined(separator: "\t"))
        var k = 0, orphans = 0
        try layer.forEachRow { (row) throws(CodecError) in
            guard let recording = byID[row.recording], let rate = recording.sampleRate, rate > 0, let base = runOn[row.recording] else {
                orphans += 1
                return
            }
            k += 1
            let first = Double(row.samples.lowerBound) / Double(rate), end = Double(row.samples.upperBound) / Double(rate)
            var fields = [
                String(k), "Spectrogram 1", String(row.channel ?? 1), String(format: "%.9f", base + first), String(format: "%.9f", base + end),
                String(format: "%.3f", row.lowHz ?? 0), String(format: "%.3f", row.highHz ?? Double(rate) / 2),
                recording.sourceFile ?? row.recording, seconds(row.samples.lowerBound, rate), clean(row.label ?? ""),
            ]
            if hasConfidence { fields.append(row.confidence.map { String(format: "%.6f", $0) } ?? "") }
            fields += row.extra.map(clean)
            try emit(fields.joined(separator: "\t"))
        }
        return orphans
    }

    private static func csv(_ layer: AnnotationLayer, _ byID: [String: AudioArchive.Summary], _ emit: (String) throws(CodecError) -> Void) throws(CodecError) -> Int {
        let header = ["recording", "first_sample", "end_sample", "sample_rate", "begin_s", "end_s", "channel", "low_hz", "high_hz", "label", "confidence", "file", "line"] + layer.extraColumns
        try emit(header.map(quoted).joined(separator: ","))
        var orphans = 0
        try layer.forEachRow { (row) throws(CodecError) in
            let rate = byID[row.recording]?.sampleRate.flatMap { $0 > 0 ? $0 : nil }
            if rate == nil { orphans += 1 }
            let fields = [
                row.recording, String(row.samples.lowerBound), String(row.samples.upperBound), rate.map(String.init) ?? "",
                rate.map { seconds(row.samples.lowerBound, $0) } ?? "", rate.map { seconds(row.samples.upperBound, $0) } ?? "", row.channel.map(String.init) ?? "",
                row.lowHz.map { String(format: "%.3f", $0) } ?? "", row.highHz.map { String(format: "%.3f", $0) } ?? "", row.label ?? "",
                row.confidence.map { String(format: "%.6f", $0) } ?? "", byID[row.recording]?.sourceFile ?? "", String(row.line),
            ] + row.extra
            try emit(fields.map(quoted).joined(separator: ","))
        }
        return orphans
    }

    /// A value for a tab-separated field: tabs and line breaks become spaces.
    private static func clean(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }

    private static func quoted(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
