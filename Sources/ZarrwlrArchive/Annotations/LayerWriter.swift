import CodecCore
import ZarrStore

/// Writes a layer's tables (under one version, see ``AnnotationLayer``) as rows come, a chunk
/// of 65,536 rows at a time: memory holds one chunk and the distinct recordings and labels, not
/// the rows, whatever the table's length. Each array grows by the chunk written (growing only
/// rewrites its metadata).
struct LayerWriter {
    static let chunkRows = 65_536
    static let textChunkBytes = 1 << 20
    /// Recording ids and labels in order of first appearance (their codes are their indices).
    private(set) var recordings: [String] = []
    private(set) var labels: [String] = []
    private(set) var rowCount = 0
    private var recordingCodes: [String: Int64] = [:], labelCodes: [String: Int64] = [:]
    private var spans: ZarrArray, values: ZarrArray
    /// Each row's extra values as UTF-8 one after another, and where each ends.
    private var extraText: ZarrArray?, extraEnds: ZarrArray?
    private let extraColumns: Int
    private var spanRows: [Int64] = [], valueRows: [Double] = [], endRows: [Int64] = [], text: [UInt8] = []
    private var textFlushed = 0, textLength: Int64 = 0

    /// The array names of `version`.
    static func arrayNames(version: String, extras: Bool) -> [String: String] {
        var names = ["spans": "spans-" + version, "values": "values-" + version]
        if extras { (names["extra_text"], names["extra_ends"]) = ("extra_text-" + version, "extra_ends-" + version) }
        return names
    }

    init(in group: ZarrGroup, version: String, extraColumns: Int) throws(ZarrError) {
        self.extraColumns = extraColumns
        let names = Self.arrayNames(version: version, extras: extraColumns > 0)
        func make(_ name: String, _ shape: [Int], _ chunk: [Int], _ type: DataType, _ dimensions: String) throws(ZarrError) -> ZarrArray {
            try group.createArray(name, metadata: ArrayMetadata(
                shape: shape, dataType: type, chunkShape: chunk, codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)],
                fillValue: type == .float64 ? .string("NaN") : .int(0), dimensionNames: shape.count == 1 ? [dimensions] : ["row", dimensions]))
        }
        spans = try make(names["spans"] ?? "", [0, 5], [Self.chunkRows, 5], .int64, "first_sample,end_sample,recording,label,line")
        values = try make(names["values"] ?? "", [0, 4], [Self.chunkRows, 4], .float64, "low_hz,high_hz,confidence,channel")
        if extraColumns > 0 {
            extraText = try make(names["extra_text"] ?? "", [0], [Self.textChunkBytes], .uint8, "byte")
            extraEnds = try make(names["extra_ends"] ?? "", [0, extraColumns], [Self.chunkRows, extraColumns], .int64, "end_byte_per_extra_column")
        }
    }

    /// Adds `row`.
    mutating func append(_ row: AnnotationLayer.Row) throws(ZarrError) {
        let recording = recordingCodes[row.recording] ?? Int64(recordings.count)
        if recording == Int64(recordings.count) {
            recordingCodes[row.recording] = recording
            recordings.append(row.recording)
        }
        var label: Int64 = -1
        if let text = row.label {
            label = labelCodes[text] ?? Int64(labels.count)
            if label == Int64(labels.count) {
                labelCodes[text] = label
                labels.append(text)
            }
        }
        spanRows += [row.samples.lowerBound, row.samples.upperBound, recording, label, Int64(row.line)]
        valueRows += [row.lowHz ?? .nan, row.highHz ?? .nan, row.confidence ?? .nan, row.channel.map(Double.init) ?? .nan]
        for k in 0..<extraColumns {
            let bytes = k < row.extra.count ? Array(row.extra[k].utf8) : []
            text += bytes
            textLength += Int64(bytes.count)
            endRows.append(textLength)
        }
        rowCount += 1
        if rowCount % Self.chunkRows == 0 { try flushRows() }
        if text.count >= Self.textChunkBytes { try flushText(whole: true) }
    }

    /// Writes what is buffered.
    mutating func finish() throws(ZarrError) {
        try flushRows()
        try flushText(whole: false)
    }

    private mutating func flushRows() throws(ZarrError) {
        let rows = spanRows.count / 5
        guard rows > 0 else { return }
        let first = rowCount - rows, columns = extraColumns, total = rowCount
        try spans.resize(to: [total, 5])
        try values.resize(to: [total, 4])
        try extraEnds?.resize(to: [total, columns])
        try spans.write(spanRows, origin: [first, 0], shape: [rows, 5])
        try values.write(valueRows, origin: [first, 0], shape: [rows, 4])
        try extraEnds?.write(endRows, origin: [first, 0], shape: [rows, extraColumns])
        spanRows.removeAll(keepingCapacity: true)
        valueRows.removeAll(keepingCapacity: true)
        endRows.removeAll(keepingCapacity: true)
    }

    /// Writes the whole text chunks buffered (`whole`), or all of the text.
    private mutating func flushText(whole: Bool) throws(ZarrError) {
        guard var extraText else { return }
        let count = whole ? text.count / Self.textChunkBytes * Self.textChunkBytes : text.count
        guard count > 0 else { return }
        try extraText.resize(to: [textFlushed + count])
        self.extraText = extraText
        try extraText.write(Array(text[0..<count]), origin: [textFlushed], shape: [count])
        textFlushed += count
        text.removeFirst(count)
    }
}
