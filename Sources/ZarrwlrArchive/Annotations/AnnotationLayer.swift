import CodecCore
import Foundation
import ZarrStore

/// A named layer of placed selections kept in the archive, at `.zarrwlr/annotations/<name>`
/// (inside the archive group):
/// a Zarr group (readable by zarr-python) whose attributes (`zarrwlr_layer`) hold the layer's
/// recording ids and labels (in order of first appearance) and name its tables:
/// `spans-<version>` (int64 [rows, 5]: first sample, end sample, recording, label, table line;
/// -1 for no label), `values-<version>` (float64 [rows, 4]: low Hz, high Hz, confidence,
/// channel; NaN where the table gave none) and, for a table with extra columns,
/// `extra_text-<version>` (uint8: every row's extra values in UTF-8, one after another) with
/// `extra_ends-<version>` (int64 [rows, extra columns]: where each value ends in that text).
/// (Layers written before the extra text arrays keep their extra values in the attributes,
/// `extra_values`, and are read as they are.)
///
/// A layer is written as a recording is committed: its tables first, under a fresh version,
/// a chunk of rows at a time (``LayerWriter``), then the group's attributes naming them in one
/// atomic write, then the old version deleted; a layer whose attributes name no tables is not
/// listed.
/// Rows of selections placed in the archive, handed out one at a time: a stored layer, or a
/// table placed as it is read (``AudioArchive/PlacedTable``).
public protocol PlacedRows {
    /// The layer's (or table's) name.
    var name: String { get }
    /// The names of the extra columns, in the order of each row's ``AnnotationLayer/Row/extra``.
    var extraColumns: [String] { get }
    /// Calls `body` with every row, in order.
    func forEachRow(_ body: (AnnotationLayer.Row) throws(CodecError) -> Void) throws(CodecError)
}

public struct AnnotationLayer: Sendable, PlacedRows {
    /// One row of the layer.
    public struct Row: Sendable, Equatable {
        public var recording: String
        public var samples: Range<Int64>
        public var lowHz: Double?
        public var highHz: Double?
        public var confidence: Double?
        /// Raven's channel, 1-based.
        public var channel: Int?
        public var label: String?
        /// The row's line in the table it came from.
        public var line: Int
        /// Values of the layer's ``extraColumns``.
        public var extra: [String]
    }

    public var name: String
    /// The label column's name in the source table (Raven export writes it back).
    public var labelColumn: String?
    public var extraColumns: [String]
    /// The table file the layer came from, and when it was imported.
    public var source: String
    public var importedAt: String
    /// How many rows the layer has, the recordings they lie in and their labels (each in order
    /// of first appearance).
    public let rowCount: Int
    public let recordings: [String]
    public let labels: [String]
    /// The tables in the archive, read a chunk at a time by ``forEachRow(_:)``.
    private let stored: StoredRows

    /// Where the layers of the archive at `archivePath` are kept.
    static func folder(of archivePath: String) -> String {
        (archivePath.isEmpty ? "" : archivePath + "/") + AudioArchive.internalFolder + "/annotations"
    }
    static let attributeKey = "zarrwlr_layer"

    /// Calls `body` with every row in order, read a chunk of 65,536 rows at a time, so that
    /// memory does not grow with the layer.
    /// - Throws: ``CodecError/Code/corrupt`` for a stored row that does not agree with the
    ///   layer's attributes, ``CodecError/Code/storage`` when reading fails; what `body` throws.
    public func forEachRow(_ body: (Row) throws(CodecError) -> Void) throws(CodecError) {
        try stored.forEachRow(recordings: recordings, labels: labels, body)
    }

    /// Every row, in memory (for a caller that hands all of them on at once).
    public func allRows() throws(CodecError) -> [Row] {
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        try forEachRow { rows.append($0) }
        return rows
    }

    /// Whether any row has a confidence (the confidence column is scanned).
    public func hasConfidence() throws(CodecError) -> Bool {
        try stored.hasConfidence()
    }

    /// Whether `name` can name a layer: letters, digits, `-`, `_` and `.`, not starting with `.`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    // MARK: Storing

    /// What a stored layer holds, counted.
    public struct Written: Sendable, Equatable {
        public let rows: Int
        public let recordings: Int
        public let labels: Int
    }

    /// Stores layer `name` with the rows `fill` hands to the writer (one at a time, so that a
    /// table of any length is never held whole); an existing layer of that name is replaced
    /// when `replacing`. What `fill` throws leaves the layer as it was. `exclusively` runs the
    /// two short steps that need the archive's writers kept out (the layer's group made and
    /// checked, then the attributes naming the new tables); the tables are written between
    /// them under a fresh version no reader knows yet.
    /// - Throws: ``CodecError/Code/cannotCreate`` when the layer exists and `replacing` is false
    ///   (before `fill` is called), or was changed by another writer meanwhile.
    static func store(
        _ name: String, labelColumn: String?, extraColumns: [String], source: String, importedAt: String, in store: any ZarrStorage,
        folder: String, replacing: Bool, exclusively: (() throws(CodecError) -> Void) throws(CodecError) -> Void,
        _ fill: (inout RowSink) throws(CodecError) -> Void
    ) throws(CodecError) -> Written {
        let path = folder + "/" + name
        let version = String(UUID().uuidString.prefix(8)).lowercased()
        let names = LayerWriter.arrayNames(version: version, extras: !extraColumns.isEmpty)
        var made: (group: ZarrGroup, previous: String?)?
        try exclusively { () throws(CodecError) in
            do {
                let group = try ZarrGroup.create(in: store, at: path, existingOK: true, parents: false)
                made = (group, group.attributes[attributeKey]?["version"]?.stringValue)
            } catch {
                throw CodecError.store(error, "cannot store layer '\(name)'", file: path)
            }
        }
        guard let made else { throw CodecError(.library, "layer '\(name)' was not prepared", file: path) }
        var group = made.group
        let previous = made.previous
        if previous != nil && !replacing {
            throw CodecError(.cannotCreate, "the archive has a layer '\(name)' already; add --replace to replace it", file: path)
        }
        func abandon() {
            for table in names.values { try? group.deleteChild(table) }
        }
        var sink: RowSink
        do { sink = RowSink(writer: try LayerWriter(in: group, version: version, extraColumns: extraColumns.count), path: path) } catch {
            abandon()
            throw CodecError.store(error, "cannot store layer '\(name)'", file: path)
        }
        do throws(CodecError) {
            try fill(&sink)
            try sink.finish()
        } catch {
            abandon()
            throw error
        }
        let writer = sink.writer
        let attributes: JSONValue = .object([
            "version": .string(version), "rows": .int(Int64(writer.rowCount)), "source": .string(source), "imported_at": .string(importedAt),
            "recordings": .array(writer.recordings.map(JSONValue.string)), "labels": .array(writer.labels.map(JSONValue.string)),
            "label_column": labelColumn.map(JSONValue.string) ?? .null, "extra_columns": .array(extraColumns.map(JSONValue.string)),
            "tables": .object(names.mapValues(JSONValue.string)), "rounding": .string("sample = floor(seconds x rate + 0.5)"),
        ])
        try exclusively { () throws(CodecError) in
            try layerErrors(name, at: path, doing: .storing) { () throws in
                var refusal: CodecError?
                try group.changeAttributes { stored in
                    let now = stored[attributeKey]?["version"]?.stringValue
                    if now == version { return nil }
                    if now != previous { refusal = CodecError(.cannotCreate, "layer '\(name)' was changed by another writer meanwhile; nothing replaced", file: path); return nil }
                    return [attributeKey: attributes]
                }
                if let refusal {
                    abandon()
                    throw refusal
                }
                for child in try group.store.listDirectory(path) where child.contains("-") && !child.hasSuffix("-" + version) {
                    try group.deleteChild(child)
                }
            }
        }
        return Written(rows: writer.rowCount, recordings: writer.recordings.count, labels: writer.labels.count)
    }

    /// Takes a layer's rows for ``LayerWriter``, naming the layer in its errors.
    struct RowSink {
        fileprivate(set) var writer: LayerWriter
        let path: String

        mutating func append(_ row: Row) throws(CodecError) {
            do { try writer.append(row) } catch { throw CodecError.store(error, "cannot store the layer's rows", file: path) }
        }

        fileprivate mutating func finish() throws(CodecError) {
            do { try writer.finish() } catch { throw CodecError.store(error, "cannot store the layer's rows", file: path) }
        }
    }

    // MARK: Reading

    /// The layers stored in `store`, by name (those whose tables are named).
    public static func names(in store: any ZarrStorage, folder: String) throws(CodecError) -> [String] {
        do {
            return try store.listDirectory(folder).filter { name in
                (try? ZarrGroup.open(in: store, at: folder + "/" + name).attributes[attributeKey]?["version"]) != nil
            }.sorted()
        } catch {
            throw CodecError.store(error, "cannot list the annotation layers", file: folder)
        }
    }

    /// Layer `name` of `store`.
    /// - Throws: ``CodecError/Code/noInput`` when there is none, ``CodecError/Code/corrupt`` when
    ///   its tables do not agree with its attributes.
    public static func load(_ name: String, from store: any ZarrStorage, folder: String) throws(CodecError) -> AnnotationLayer {
        let path = folder + "/" + name
        guard isValidName(name), let group = try? ZarrGroup.open(in: store, at: path), let facts = group.attributes[attributeKey],
              let version = facts["version"]?.stringValue else {
            let known = (try? names(in: store, folder: folder)) ?? []
            throw CodecError(.noInput, "the archive has no layer '\(name)'" + (known.isEmpty ? " (it has none)" : " (it has \(known.joined(separator: ", ")))"), file: path)
        }
        func corrupt(_ what: String) -> CodecError { CodecError(.corrupt, "layer '\(name)': \(what)", file: path) }
        let rowCount = facts["rows"]?.intValue ?? -1
        let recordings = facts["recordings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let labels = facts["labels"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let extraColumns = facts["extra_columns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard rowCount >= 0 else { throw corrupt("its attributes give \(rowCount) rows") }
        let stored = try layerErrors(name, at: path, doing: .reading) { () throws -> StoredRows in
            let spanArray = try group.array("spans-" + version), valueArray = try group.array("values-" + version)
            guard spanArray.shape == [rowCount, 5], valueArray.shape == [rowCount, 4],
                  spanArray.metadata.dataType == .int64, valueArray.metadata.dataType == .float64 else {
                throw corrupt("its tables are not int64 [\(rowCount), 5] and float64 [\(rowCount), 4]")
            }
            var extras: StoredRows.Extras = .none
            if !extraColumns.isEmpty, let textName = facts["tables"]?["extra_text"]?.stringValue, let endsName = facts["tables"]?["extra_ends"]?.stringValue {
                let text = try group.array(textName), ends = try group.array(endsName)
                guard ends.shape == [rowCount, extraColumns.count], text.shape.count == 1, ends.metadata.dataType == .int64, text.metadata.dataType == .uint8 else {
                    throw corrupt("its extra text arrays do not fit \(rowCount) rows of \(extraColumns.count) values")
                }
                extras = .arrays(text: text, ends: ends, columns: extraColumns.count)
            } else if !extraColumns.isEmpty {
                // Written before the extra text arrays: the values in the attributes.
                let values = extraColumns.map { facts["extra_values"]?[$0]?.arrayValue?.map { $0.stringValue ?? "" } ?? [] }
                guard values.allSatisfy({ $0.count == rowCount }) else { throw corrupt("its attributes do not hold \(rowCount) rows") }
                extras = .inAttributes(values)
            }
            return StoredRows(spans: spanArray, values: valueArray, extras: extras, rowCount: rowCount, name: name, path: path)
        }
        return AnnotationLayer(
            name: name, labelColumn: facts["label_column"]?.stringValue, extraColumns: extraColumns, source: facts["source"]?.stringValue ?? "",
            importedAt: facts["imported_at"]?.stringValue ?? "", recordings: recordings, labels: labels, stored: stored)
    }

    private init(
        name: String, labelColumn: String?, extraColumns: [String], source: String, importedAt: String, recordings: [String], labels: [String],
        stored: StoredRows
    ) {
        (self.name, self.labelColumn, self.extraColumns, self.source, self.importedAt) = (name, labelColumn, extraColumns, source, importedAt)
        (self.recordings, self.labels, rowCount, self.stored) = (recordings, labels, stored.rowCount, stored)
    }

    /// Deletes layer `name`.
    public static func delete(_ name: String, from store: any ZarrStorage, folder: String) throws(CodecError) {
        _ = try load(name, from: store, folder: folder)
        do {
            // The group's zarr.json first: a delete cut short leaves no half layer listed.
            try store.erase(folder + "/" + name + "/zarr.json")
            try store.erasePrefix(folder + "/" + name)
        } catch {
            throw CodecError.store(error, "cannot delete layer '\(name)'", file: folder + "/" + name)
        }
    }
}

/// A stored layer's tables, read a chunk of rows at a time.
private struct StoredRows: Sendable {
    enum Extras: Sendable {
        case none
        case arrays(text: ZarrArray, ends: ZarrArray, columns: Int)
        /// Layers written before the extra text arrays.
        case inAttributes([[String]])
    }

    let spans: ZarrArray, values: ZarrArray
    let extras: Extras
    let rowCount: Int
    let name: String, path: String

    func forEachRow(recordings: [String], labels: [String], _ body: (AnnotationLayer.Row) throws(CodecError) -> Void) throws(CodecError) {
        var textStart: Int64 = 0
        for first in stride(from: 0, to: rowCount, by: LayerWriter.chunkRows) {
            let count = min(LayerWriter.chunkRows, rowCount - first)
            var extraRows: [[String]] = Array(repeating: [], count: count)
            let (spanRows, valueRows) = try layerErrors(name, at: path, doing: .reading) { () throws -> ([Int64], [Double]) in
                let spanRows = try spans.read(Int64.self, origin: [first, 0], shape: [count, 5])
                let valueRows = try values.read(Double.self, origin: [first, 0], shape: [count, 4])
                switch extras {
                case .none: break
                case .inAttributes(let columns):
                    for k in 0..<count { extraRows[k] = columns.map { $0[first + k] } }
                case .arrays(let text, let ends, let columns):
                    let endRows = try ends.read(Int64.self, origin: [first, 0], shape: [count, columns])
                    let last = endRows.last ?? textStart
                    guard last >= textStart, last <= Int64(text.shape[0]) else { throw corrupt("its extra text ends at byte \(last), outside \(textStart)...\(text.shape[0])") }
                    let bytes: [UInt8] = last == textStart ? [] : try text.read(UInt8.self, origin: [Int(textStart)], shape: [Int(last - textStart)])
                    var start = textStart
                    for (k, end) in endRows.enumerated() {
                        guard end >= start, end <= last else { throw corrupt("extra value \(k) of row \(first + k / columns) ends at byte \(end), outside \(start)...\(last)") }
                        extraRows[k / columns].append(String(decoding: bytes[Int(start - textStart)..<Int(end - textStart)], as: UTF8.self))
                        start = end
                    }
                    textStart = last
                }
                return (spanRows, valueRows)
            }
            for k in 0..<count {
                let span = spanRows[k * 5..<k * 5 + 5].map { $0 }, value = valueRows[k * 4..<k * 4 + 4].map { $0 }
                guard span[0] >= 0, span[1] >= span[0], recordings.indices.contains(Int(span[2])), span[3] == -1 || labels.indices.contains(Int(span[3])) else {
                    throw corrupt("row \(first + k) does not agree with the layer's attributes")
                }
                func optional(_ x: Double) -> Double? { x.isNaN ? nil : x }
                try body(AnnotationLayer.Row(
                    recording: recordings[Int(span[2])], samples: span[0]..<span[1], lowHz: optional(value[0]), highHz: optional(value[1]),
                    confidence: optional(value[2]), channel: optional(value[3]).flatMap { Int(exactly: $0) },
                    label: span[3] == -1 ? nil : labels[Int(span[3])], line: Int(clamping: span[4]), extra: extraRows[k]))
            }
        }
    }

    /// Whether any row has a confidence, from the values table alone.
    func hasConfidence() throws(CodecError) -> Bool {
        for first in stride(from: 0, to: rowCount, by: LayerWriter.chunkRows) {
            let count = min(LayerWriter.chunkRows, rowCount - first)
            if try layerErrors(name, at: path, doing: .reading, { try values.read(Double.self, origin: [first, 2], shape: [count, 1]) }).contains(where: { !$0.isNaN }) { return true }
        }
        return false
    }

    private func corrupt(_ what: String) -> CodecError { CodecError(.corrupt, "layer '\(name)': \(what)", file: path) }
}

/// What a layer's step does, for its errors: a store's error says "cannot read" or "cannot
/// store", anything else but a ``CodecError`` is damage (reading) or a failed store.
private enum LayerStep: String {
    case reading = "read", storing = "store"
}

/// `body`'s value, with what it throws said of layer `name` at `path` (see ``LayerStep``).
private func layerErrors<T>(_ name: String, at path: String, doing step: LayerStep, _ body: () throws -> T) throws(CodecError) -> T {
    do {
        return try body()
    } catch let error as CodecError {
        throw error
    } catch let error as ZarrError {
        throw CodecError.store(error, "cannot \(step.rawValue) layer '\(name)'", file: path)
    } catch {
        throw step == .reading ? CodecError(.corrupt, "layer '\(name)': \(error)", file: path)
            : CodecError(.storage, "cannot store layer '\(name)': \(error)", file: path)
    }
}
