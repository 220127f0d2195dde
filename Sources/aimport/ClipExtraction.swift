import CodecCore
import Foundation
import ZarrwlrArchive

/// One audio file per row of a layer (or of a table placed on the fly): the row's samples,
/// padded on both sides and cut at the recording's ends, sample-exact, as WAV (or FLAC) with
/// GUANO giving the label (`Species Manual ID`, or `Species Auto ID` for a row with a
/// confidence), and under `zarrwlr|` the layer, confidence, band, channel, table line and the
/// row's own samples, beside the usual provenance of a snippet.
struct ClipExtraction {
    static let defaultTemplate = "{label}_{recording}_{offset}_{confidence}"

    let archive: AudioArchive
    let layer: any PlacedRows
    let filter: RowFilter?
    let pad: Double
    let template: String
    let folder: String
    let force: Bool
    /// --format (nil: each recording's own).
    let format: String?
    let channels: [Int]?

    /// Writes the clips; returns how many, and how many rows were of recordings no longer in the
    /// archive (left out: a delete of an earlier version left its rows in the layers).
    func run() throws(CodecError) -> (written: Int, orphans: Int) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CodecError(.cannotCreate, "cannot create the clip folder: \(CodecError.reason(error))", file: folder)
        }
        var readers: [String: any RecordingReader] = [:]
        var used = Set<String>()
        var written = 0, orphans = 0
        var present = AudioArchive.SummaryLookup(archive)
        try layer.forEachRow { (row) throws(CodecError) in
            guard let summary = try present.summary(row.recording) else {
                orphans += 1  // a deleted recording's row
                return
            }
            let rate = summary.sampleRate ?? 1
            if let filter, !filter.accepts(row, sampleRate: rate) { return }
            let reader: any RecordingReader
            if let known = readers[row.recording] { reader = known } else {
                reader = try archive.reader(for: row.recording)
                readers[row.recording] = reader
            }
            let padding = SelectionPlacement.nearestSample(pad, rate: rate) ?? 0
            let span = max(0, row.samples.lowerBound - padding)..<min(reader.totalSamples, row.samples.upperBound + padding)
            let path = folder + "/" + uniqueName(for: row, first: span.lowerBound, rate: rate, used: &used)
            try write(span, of: reader, summary: summary, row: row, to: path)
            print(path)
            written += 1
        }
        return (written, orphans)
    }

    private func write(_ span: Range<Int64>, of reader: any RecordingReader, summary: AudioArchive.Summary, row: AnnotationLayer.Row, to path: String) throws(CodecError) {
        let sampleFormat = Extract.sampleFormat(format, bits: reader.bitsPerSample, isFloat: reader.isFloat)
        let shape = SegmentSink.Shape(sampleRate: reader.sampleRate, channelCount: reader.channelCount, bitsPerSample: reader.bitsPerSample, isFloat: reader.isFloat)
        if let channels, let bad = channels.first(where: { $0 >= reader.channelCount }) {
            throw CodecError(.invalidArgument, "--channels names channel \(bad), the recording has \(reader.channelCount)", recording: row.recording)
        }
        var fields = ["zarrwlr|Layer": layer.name, "zarrwlr|Table Line": String(row.line),
                      "zarrwlr|Selection Samples": "\(row.samples.lowerBound)-\(row.samples.upperBound)"]
        if let label = row.label { fields[row.confidence == nil ? "Species Manual ID" : "Species Auto ID"] = label }
        if let confidence = row.confidence { fields["zarrwlr|Confidence"] = String(confidence) }
        if let low = row.lowHz { fields["zarrwlr|Low Freq"] = String(low) }
        if let high = row.highHz { fields["zarrwlr|High Freq"] = String(high) }
        if let channel = row.channel { fields["zarrwlr|Channel"] = String(channel) }
        let provenance = SnippetProvenance.forRecording(summary, firstSamples: [span.lowerBound], frames: Int64(span.count), sampleRate: reader.sampleRate, extra: fields)
        let sink = try SegmentSink(output: path, force: force, format: sampleFormat, explicitFormat: format != nil, shape: shape, frames: Int64(span.count), channels: channels, provenance: provenance)
        do throws(CodecError) {
            try reader.extract(span, as: sampleFormat, runFrames: Int(SampleRuns.standardLength), sink.deliver)
        } catch {
            sink.discard()
            throw error.inRecording(row.recording)
        }
        try sink.finish()
    }

    /// The clip's file name from the template, made safe for a file system and unique in this run.
    private func uniqueName(for row: AnnotationLayer.Row, first: Int64, rate: Int, used: inout Set<String>) -> String {
        func safe(_ text: String) -> String {
            String(text.map { $0 == "/" || $0 == "\\" || $0.isNewline || $0 == "\0" ? "-" : $0 })
        }
        var name = template
        let values = [
            "{label}": safe(row.label ?? "unlabelled"), "{recording}": safe(row.recording),
            "{offset}": String(format: "%.3f", Double(first) / Double(rate)),
            "{confidence}": row.confidence.map { String(format: "%.3f", $0) } ?? "", "{line}": String(row.line), "{layer}": safe(layer.name),
        ]
        for (key, value) in values { name = name.replacingOccurrences(of: key, with: value) }
        while name.contains("__") { name = name.replacingOccurrences(of: "__", with: "_") }
        name = String(name.trimmingCharacters(in: CharacterSet(charactersIn: "_")))
        if name.hasPrefix(".") { name = "_" + name.dropFirst() }
        let lower = name.lowercased()
        let ext = lower.hasSuffix(".flac") ? ".flac" : ".wav"
        if lower.hasSuffix(ext) { name = String(name.dropLast(ext.count)) }
        var candidate = name + ext
        if used.contains(candidate) { candidate = name + "_line\(row.line)" + ext }
        used.insert(candidate)
        return candidate
    }
}
