import CodecCore
import Foundation

/// A table of selections or detections as the field's tools write it: a Raven Pro selection
/// table (tab-separated), a BirdNET table (its Raven format, or its CSV: `Start (s), End (s),
/// Scientific name, Common name, Confidence, File`), or any CSV whose columns are named with a
/// ``ColumnMapping``. Rows keep their seconds as the table gives them; ``SelectionPlacement``
/// maps them to recordings and samples. Columns the table has beyond the known ones are kept
/// verbatim (``extraColumns``), and Raven's second view of a selection (the same `Selection`
/// number in `Waveform 1` and `Spectrogram 1`, on consecutive lines as Raven writes them) is read once.
/// An Audacity label track (exported as text: no header, `begin<TAB>end<TAB>label` lines, each
/// followed by `\<TAB>low<TAB>high` when the label has a frequency range) is read as a table of
/// those three columns and its bands.
public struct SelectionTable: Sendable {
    /// One row, in the table's own terms.
    public struct Row: Sendable, Equatable {
        /// The row's line in the table file (1: the header, or an Audacity label track's first row).
        public var line: Int
        /// Seconds (Raven: from the start of the first file of a multi-file table).
        public var begin: Double
        public var end: Double
        public var lowHz: Double?
        public var highHz: Double?
        /// Raven's channel, 1-based.
        public var channel: Int?
        public var label: String?
        public var confidence: Double?
        /// The sound file the row points at: its name (the last component of a path).
        public var file: String?
        /// Seconds from the start of `file` (`File Offset (s)`).
        public var fileOffset: Double?
        /// The wall-clock time of the row's begin as the table writes it (`Begin Date` and
        /// `Begin Clock Time`), local to the table's time zone.
        public var clock: LocalTime?
        /// The values of ``SelectionTable/extraColumns``, in that order.
        public var extra: [String]
    }

    /// Which column holds what, by header name (case and surrounding spaces ignored). Each
    /// field lists the names tried, in order; `parse(columns:)` puts a user's names first.
    public struct ColumnMapping: Sendable {
        public var begin = ["Begin Time (s)", "Start (s)", "Start Time (s)", "begin", "start"]
        public var end = ["End Time (s)", "End (s)", "End Time", "end", "stop"]
        public var lowHz = ["Low Freq (Hz)", "Low Frequency (Hz)", "low_hz", "low"]
        public var highHz = ["High Freq (Hz)", "High Frequency (Hz)", "high_hz", "high"]
        public var channel = ["Channel"]
        public var label = ["Annotation", "Label", "Species", "Scientific name", "Common Name", "Class"]
        public var confidence = ["Confidence", "Score"]
        public var file = ["Begin File", "File", "Begin Path", "Path", "filename"]
        public var fileOffset = ["File Offset (s)"]
        public var date = ["Begin Date"]
        public var clockTime = ["Begin Clock Time"]
        /// Columns that say how Raven showed a selection, not what it is: not kept.
        static let layout = ["Selection", "View"]

        public init() {}

        /// The mapping with `field=Column` pairs ("begin=Start,label=Class") tried first.
        /// - Throws: ``CodecError/Code/invalidArgument`` naming an unknown field.
        public init(parsing pairs: String) throws(CodecError) {
            for pair in pairs.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[1].isEmpty else {
                    throw CodecError(.invalidArgument, "--columns takes field=Column pairs separated by commas, not '\(pair)'")
                }
                let name = parts[1]
                switch parts[0] {
                case "begin": begin.insert(name, at: 0)
                case "end": end.insert(name, at: 0)
                case "low_hz": lowHz.insert(name, at: 0)
                case "high_hz": highHz.insert(name, at: 0)
                case "channel": channel.insert(name, at: 0)
                case "label": label.insert(name, at: 0)
                case "confidence": confidence.insert(name, at: 0)
                case "file": file.insert(name, at: 0)
                case "file_offset": fileOffset.insert(name, at: 0)
                default:
                    throw CodecError(.invalidArgument, "--columns: '\(parts[0])' is not a field; fields: begin, end, low_hz, high_hz, channel, label, confidence, file, file_offset")
                }
            }
        }
    }

    /// The header name of the label column, when there is one.
    public var labelColumn: String?
    /// Header names of the columns kept verbatim.
    public var extraColumns: [String]
    /// Whether the table gives `File Offset (s)`.
    public var hasFileOffsets: Bool
    /// Whether the begin times are seconds within each row's file (BirdNET's `File` column), not
    /// Raven's seconds that run on across the files of a multi-file table (`Begin File`, `Begin Path`).
    public var timesWithinFiles: Bool
    /// The table file, as named ("standard input" for `-`).
    public let path: String
    /// How its bytes were read as text (Windows-1252 for a table that is not UTF-8).
    public let textEncoding: TableTextEncoding
    /// What is read: the file, or a pipe's contents copied to a file.
    private let file: RereadableFile
    /// Whether rows name files.
    public var hasFileColumn: Bool { columns.file != nil }

    /// Where the known fields are (indices into a line's fields).
    private struct Columns: Sendable {
        var header: [String]
        var separator: Character
        var begin: Int, end: Int
        var low: Int?, high: Int?, channel: Int?, label: Int?, confidence: Int?, file: Int?, offset: Int?, date: Int?, clockTime: Int?
        var selection: Int?, view: Int?
        var extras: [Int]
        /// An Audacity label track: no header line, bands on lines of their own.
        var isLabelTrack = false
    }
    private let columns: Columns

    /// The longest line of a table.
    static let maximumLineBytes = 1 << 20

    /// Opens the table at `path` and reads its header (the rows are read by ``forEachRow(_:)``).
    /// - Throws: ``CodecError/Code/noInput`` for an unreadable file, ``CodecError/Code/unrecognized``
    ///   for a table without begin and end columns.
    public static func open(_ path: String, columns mapping: ColumnMapping = ColumnMapping()) throws(CodecError) -> SelectionTable {
        let file = try RereadableFile(path, what: "table")
        let path = file.name
        let encoding = try TableTextEncoding.of(file: file.path, table: path)
        let lines = try LineReader(file, what: "table", maximumLineBytes: maximumLineBytes)
        let first = try lines.next().map(encoding.text)
        guard let firstLine = first, !firstLine.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CodecError(.unrecognized, "the table is empty: a header line is expected", file: path)
        }
        // Tabs (Raven), else commas, or semicolons where a locale whose decimal mark is a comma
        // (German, French Excel) writes its CSV with them.
        let separator: Character = firstLine.contains("\t") ? "\t"
            : firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        var header = fields(of: firstLine, separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }
        let isLabelTrack = separator == "\t" && (2...3).contains(header.count) && Double(header[0]) != nil && Double(header[1]) != nil
        if isLabelTrack { header = ["Begin Time (s)", "End Time (s)", "Annotation"] }
        func column(_ names: [String]) -> Int? {
            for name in names { if let k = header.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) { return k } }
            return nil
        }
        guard let begin = column(mapping.begin), let end = column(mapping.end) else {
            throw CodecError(.unrecognized, "the table has no begin and end columns (looked for \(mapping.begin.first ?? "") and \(mapping.end.first ?? ""), or BirdNET's Start (s) and End (s)); name them with --columns begin=...,end=...", file: path)
        }
        var found = Columns(
            header: header, separator: separator, begin: begin, end: end, low: column(mapping.lowHz), high: column(mapping.highHz),
            channel: column(mapping.channel), label: column(mapping.label), confidence: column(mapping.confidence), file: column(mapping.file),
            offset: column(mapping.fileOffset), date: column(mapping.date), clockTime: column(mapping.clockTime),
            selection: column(["Selection"]), view: column(["View"]), extras: [])
        found.isLabelTrack = isLabelTrack
        let used = Set([begin, end, found.low, found.high, found.channel, found.label, found.confidence, found.file, found.offset, found.date, found.clockTime, found.selection, found.view].compactMap { $0 })
        found.extras = header.indices.filter { !used.contains($0) && !header[$0].isEmpty }
        return SelectionTable(
            labelColumn: found.label.map { header[$0] }, extraColumns: found.extras.map { header[$0] }, hasFileOffsets: found.offset != nil,
            timesWithinFiles: found.file.map { !["begin file", "begin path"].contains(header[$0].lowercased()) } ?? false,
            path: path, textEncoding: encoding, file: file, columns: found)
    }

    /// Calls `body` with every row, in the table's order, reading the file a line at a time.
    /// Raven writes a selection once per view, on consecutive lines: one is kept (its
    /// spectrogram view, else the first).
    /// - Throws: ``CodecError/Code/corrupt`` for a row whose values do not parse (naming its
    ///   line and column); what `body` throws.
    public func forEachRow(_ body: (Row) throws(CodecError) -> Void) throws(CodecError) {
        let lines = try LineReader(file, what: "table", maximumLineBytes: Self.maximumLineBytes)
        if !columns.isLabelTrack { _ = try lines.next() }
        var pending: (row: Row, selection: String?)?
        while let bytes = try lines.next() {
            let line = textEncoding.text(bytes)
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            if columns.isLabelTrack && line.hasPrefix("\\") {
                let banded = try withBand(line, number: lines.lineNumber, of: pending?.row)
                pending?.row = banded
                continue
            }
            let (row, selection, isSpectrogram) = try parse(line, number: lines.lineNumber)
            if let selection, let kept = pending, kept.selection == selection {
                if isSpectrogram { pending = (row, selection) }
                continue
            }
            if let kept = pending { try body(kept.row) }
            pending = (row, selection)
        }
        if let kept = pending { try body(kept.row) }
    }

    /// `row` with the band of an Audacity label track's `\<TAB>low<TAB>high` line.
    private func withBand(_ line: String, number: Int, of row: Row?) throws(CodecError) -> Row {
        let values = Self.fields(of: line, separator: "\t").dropFirst().map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard var row, values.count >= 2, let low = values[0], let high = values[1], low.isFinite, high.isFinite else {
            throw CodecError(.corrupt, "line \(number): a label track's frequency line is '\\<TAB>low<TAB>high' after a label's line, not '\(line)'", file: path)
        }
        (row.lowHz, row.highHz) = (low, high)
        return row
    }

    /// One line's row, its Raven selection number and whether it is the spectrogram view.
    private func parse(_ line: String, number: Int) throws(CodecError) -> (Row, selection: String?, isSpectrogram: Bool) {
        let values = Self.fields(of: line, separator: columns.separator)
        let header = columns.header, file = path
        func value(_ column: Int?) -> String? {
            guard let column, column < values.count else { return nil }
            let text = values[column].trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        func decimal(_ column: Int?, _ required: Bool = false) throws(CodecError) -> Double? {
            guard let text = value(column) else {
                if required { throw CodecError(.corrupt, "line \(number): no value in column '\(header[column ?? 0])'", file: file) }
                return nil
            }
            // A semicolon-separated table writes decimals with a comma (1,25).
            let digits = columns.separator == ";" && !text.contains(".") ? text.replacingOccurrences(of: ",", with: ".") : text
            guard let parsed = Double(digits), parsed.isFinite else {
                // Outside semicolon tables a comma cannot be told from a thousands separator (1,500).
                let comma = columns.separator != ";" && text.contains(",") && Double(text.replacingOccurrences(of: ",", with: ".")) != nil
                    ? " (decimal commas are read in semicolon-separated tables only: save this one with '.' as the decimal separator)" : ""
                throw CodecError(.corrupt, "line \(number): '\(text)' in column '\(header[column ?? 0])' is not a number\(comma)", file: file)
            }
            return parsed
        }
        var clock: LocalTime?
        if let day = value(columns.date), let time = value(columns.clockTime) {
            guard let parsed = Self.localTime(date: day, time: time) else {
                throw CodecError(.corrupt, "line \(number): '\(day) \(time)' is not a date (YYYY/MM/DD or YYYY-MM-DD) and a clock time (HH:MM:SS.sss)", file: file)
            }
            clock = parsed
        }
        var channelNumber: Int?
        if let text = value(columns.channel) {
            guard let parsed = Int(text), parsed >= 1 else {
                throw CodecError(.corrupt, "line \(number): channel '\(text)' is not a channel number (1, 2, ...)", file: file)
            }
            channelNumber = parsed
        }
        let row = Row(
            line: number, begin: try decimal(columns.begin, true) ?? 0, end: try decimal(columns.end, true) ?? 0,
            lowHz: try decimal(columns.low), highHz: try decimal(columns.high), channel: channelNumber, label: value(columns.label),
            confidence: try decimal(columns.confidence), file: value(columns.file).map { ($0.replacingOccurrences(of: "\\", with: "/") as NSString).lastPathComponent },
            fileOffset: try decimal(columns.offset), clock: clock, extra: columns.extras.map { value($0) ?? "" })
        return (row, value(columns.selection), value(columns.view)?.localizedCaseInsensitiveContains("spectrogram") == true)
    }

    /// A line's fields: split at tabs, or as CSV with commas or semicolons (double quotes around
    /// fields that hold the separator or quotes, a quote inside written twice).
    static func fields(of line: String, separator: Character) -> [String] {
        guard separator != "\t" else { return line.split(separator: separator, omittingEmptySubsequences: false).map(String.init) }
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == separator {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// `Begin Date` (2025/04/16, 2025-04-16) and `Begin Clock Time` (04:30:01.250) as a local time.
    static func localTime(date: String, time: String) -> LocalTime? {
        let day = date.replacingOccurrences(of: "/", with: "-")
        let parts = day.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let month = Int(parts[1]), let dayOfMonth = Int(parts[2]) else { return nil }
        var clock = time
        if clock.split(separator: ":").first?.count == 1 { clock = "0" + clock }
        func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return LocalTime("\(parts[0])-\(twoDigits(month))-\(twoDigits(dayOfMonth))T\(clock)")
    }
}
