import CodecCore
import Foundation

/// Maps a table's rows to recordings and samples, never guessing: a row that matches no
/// recording, or more than one, is a problem reported with its line, not placed.
///
/// - A row naming a file (`Begin File`, `Begin Path`, BirdNET's `File`) goes to the recording
///   imported from a file of that name, at `File Offset (s)` (or, in a table without offsets,
///   at its begin time: a single-file table, or BirdNET's times within each file).
/// - Otherwise, with a recording given, to that recording at its begin time.
/// - Otherwise, a row with `Begin Date` and `Begin Clock Time` goes to the recording whose span
///   holds that instant (the clock read in the table's zone, UTC unless one is given; among the
///   recordings of one device when it is given).
///
/// Seconds become samples by rounding to the nearest sample (halves up): first sample
/// `⌊offset × rate + ½⌋`, end `⌊(offset + end − begin) × rate + ½⌋`. A selection that runs past
/// the end of its recording (into the next file) is a problem, not cut short.
public enum SelectionPlacement {
    /// A row that could not be placed.
    public struct Problem: Error, Sendable, Equatable {
        public let line: Int
        public let message: String
    }

    /// Places the rows of one table, one at a time.
    public struct Placer: Sendable {
        let table: SelectionTable
        let intact: [AudioArchive.Summary]
        let byFile: [String: [AudioArchive.Summary]]
        let byID: [String: AudioArchive.Summary]
        let given: String?, zone: TimeZoneSpec?, device: String?
        /// How many distinct files the rows name, counted up to 2 (only whether one or more
        /// matters), for a Raven table whose rows lack File Offset (s).
        let distinctFiles: Int

        /// A placer of `table`'s rows among `recordings`; reads the table once first when its
        /// rows name files by Raven's multi-file columns (to know whether it names one file).
        public init(
            _ table: SelectionTable, among recordings: [AudioArchive.Summary], recording given: String? = nil, timeZone: TimeZoneSpec? = nil,
            device: String? = nil
        ) throws(CodecError) {
            self.table = table
            intact = recordings.filter { $0.damage == nil && $0.sampleRate != nil && $0.totalSamples != nil }
            var byFile: [String: [AudioArchive.Summary]] = [:]
            for recording in intact {
                if let name = recording.sourceFile { byFile[name, default: []].append(recording) }
            }
            self.byFile = byFile
            byID = Dictionary(intact.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            (self.given, zone, self.device) = (given, timeZone, device)
            var files = Set<String>()
            if table.hasFileColumn && !table.timesWithinFiles {
                try table.forEachRow { row in
                    if files.count < 2, let file = row.file { files.insert(file) }
                }
            }
            distinctFiles = files.count
        }

        /// Where `row` lies, or why it cannot be placed.
        public func place(_ row: SelectionTable.Row) -> Result<AnnotationLayer.Row, Problem> {
            SelectionPlacement.place(row, table: table, distinctFiles: distinctFiles, byFile: byFile, byID: byID, intact: intact, given: given, zone: zone, device: device)
        }
    }

    private static func place(
        _ row: SelectionTable.Row, table: SelectionTable, distinctFiles: Int, byFile: [String: [AudioArchive.Summary]],
        byID: [String: AudioArchive.Summary], intact: [AudioArchive.Summary], given: String?, zone: TimeZoneSpec?, device: String?
    ) -> Result<AnnotationLayer.Row, Problem> {
        func problem(_ text: String) -> Result<AnnotationLayer.Row, Problem> { .failure(Problem(line: row.line, message: text)) }
        guard row.end >= row.begin else { return problem("ends (\(row.end) s) before it begins (\(row.begin) s)") }
        if let low = row.lowHz, let high = row.highHz, high < low { return problem("its high frequency \(high) Hz is below its low \(low) Hz") }
        let recording: AudioArchive.Summary
        let offset: Double
        if let file = row.file {
            var matches = byFile[file] ?? []
            if matches.isEmpty { matches = byFile.filter { $0.key.caseInsensitiveCompare(file) == .orderedSame }.flatMap(\.value) }
            guard matches.count == 1, let match = matches.first else {
                return problem(matches.isEmpty ? "no recording was imported from a file named '\(file)'"
                    : "\(matches.count) recordings were imported from files named '\(file)' (\(matches.map(\.id).joined(separator: ", "))); give --recording or import one table per device")
            }
            if let fileOffset = row.fileOffset {
                offset = fileOffset
            } else if distinctFiles <= 1 {
                offset = row.begin
            } else if table.timesWithinFiles {
                offset = row.begin
            } else {
                return problem("in a Raven table of several files Begin Time (s) runs on across the files: File Offset (s) is needed")
            }
            recording = match
        } else if let given {
            guard let match = byID[given] else { return problem("the archive has no readable recording \(given)") }
            recording = match
            offset = row.begin
        } else if let clock = row.clock {
            let clockZone = zone ?? zoneUTC
            // A time a clock change repeats can name two instants: placed only when one of them is recorded.
            let instants = clock.instants(in: clockZone).map(\.secondsSinceEpoch)
            guard !instants.isEmpty else { return problem("\(clock.text) does not exist in \(clockZone.text) (the clocks went forward)") }
            let holding = instants.flatMap { instant in
                intact.filter { summary in
                    guard device.map({ name in summary.deviceNames.contains { $0.caseInsensitiveCompare(name) == .orderedSame } }) ?? true else { return false }
                    guard let start = summary.startInstant?.secondsSinceEpoch, let duration = summary.duration else { return false }
                    return start <= instant && instant < start + duration
                }.map { (instant, $0) }
            }
            guard holding.count == 1, let (instant, match) = holding.first, let start = match.startInstant?.secondsSinceEpoch else {
                if holding.isEmpty { return problem("no recording with a known start holds \(clock.text) (\(clockZone.text))") }
                if Set(holding.map(\.0)).count > 1 { return problem("\(clock.text) occurs twice in \(clockZone.text) (the clocks went back) and recordings hold both") }
                return problem("recordings \(holding.map(\.1.id).joined(separator: ", ")) all hold \(clock.text) (several recorders): give --device")
            }
            recording = match
            offset = instant - start
        } else {
            return problem("the row names no file, no recording was given (--recording) and it has no Begin Date and Begin Clock Time")
        }
        guard let rate = recording.sampleRate, let total = recording.totalSamples, rate > 0 else {
            return problem("recording \(recording.id) has no sample rate")
        }
        let first = nearestSample(offset, rate: rate), end = nearestSample(offset + (row.end - row.begin), rate: rate)
        guard let first, let end, first >= 0 else { return problem("begins before its recording \(recording.id)") }
        guard end <= Int64(total) else {
            let seconds = Double(total) / Double(rate)
            return problem(String(format: "runs to %.6f s, past the end of recording %@ (%.6f s): a selection spanning two recordings is not cut", offset + row.end - row.begin, recording.id, seconds))
        }
        return .success(AnnotationLayer.Row(
            recording: recording.id, samples: first..<end, lowHz: row.lowHz, highHz: row.highHz, confidence: row.confidence,
            channel: row.channel, label: row.label, line: row.line, extra: row.extra))
    }

    /// The nearest sample to `seconds` at `rate`, halves up; nil beyond Int64.
    public static func nearestSample(_ seconds: Double, rate: Int) -> Int64? {
        let position = (seconds * Double(rate) + 0.5).rounded(.down)
        guard position.isFinite, abs(position) < 9e18 else { return nil }
        return Int64(position)
    }

    private static let zoneUTC = TimeZoneSpec("Z")!
}
