import CodecCore
import Foundation
import ZarrStore

/// A named layer of placed selections kept in the archive, at `.zarrwlr/annotations/<name>`
/// (inside the archive group):
/// a Zarr group (readable by zarr-python) whose attributes (`zarrwlr_layer`) hold the layer's
/// string columns (recording ids, labels, extra columns, in row order) and name its two tables,
/// `spans-<version>` (int64 [rows, 5]: first sample, end sample, recording, label, table line;
/// -1 for no label) and `values-<version>` (float64 [rows, 4]: low Hz, high Hz, confidence,
/// channel; NaN where the table gave none).
///
/// A layer is written as a recording is committed: its tables first, under a fresh version,
/// then the group's attributes naming them in one atomic write, then the old version deleted; a
/// layer whose attributes name no tables is not listed.
public struct AnnotationLayer: Sendable, Equatable {
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
    public var rows: [Row]
    /// The table file the layer came from, and when it was imported.
    public var source: String
    public var importedAt: String

    /// Where the layers of the archive at `archivePath` are kept.
    static func folder(of archivePath: String) -> String {
        (archivePath.isEmpty ? "" : archivePath + "/") + AudioArchive.internalFolder + "/annotations"
    }
    static let attributeKey = "zarrwlr_layer"

    /// A layer of the rows `placed` from `table` (the file `source`).
    public init(name: String, placed: [Row], table: SelectionTable, source: String) {
        self.name = name
        labelColumn = table.labelColumn
        extraColumns = table.extraColumns
        rows = placed
        self.source = source
        importedAt = Instant.utcText(Date().timeIntervalSince1970)
    }

    /// Whether `name` can name a layer: letters, digits, `-`, `_` and `.`, not starting with `.`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    // MARK: Storing

    /// Stores the layer in `store`; an existing layer of that name is replaced when `replacing`.
    /// - Throws: ``CodecError/Code/cannotCreate`` when the layer exists and `replacing` is false.
    public func store(in store: any ZarrStorage, folder: String, replacing: Bool) throws(CodecError) {
        let path = folder + "/" + name
        let version = String(UUID().uuidString.prefix(8)).lowercased()
        do {
            var group = try ZarrGroup.create(in: store, at: path, existingOK: true, parents: false)
            let previous = group.attributes[Self.attributeKey]?["version"]?.stringValue
            if previous != nil && !replacing {
                throw CodecError(.cannotCreate, "the archive has a layer '\(name)' already; add --replace to replace it", file: path)
            }
            try writeTables(in: group, version: version)
            var refusal: CodecError?
            try group.changeAttributes { stored in
                let now = stored[Self.attributeKey]?["version"]?.stringValue
                if now == version { return nil }
                if now != previous { refusal = CodecError(.cannotCreate, "layer '\(name)' was changed by another writer meanwhile; nothing replaced", file: path); return nil }
                return [Self.attributeKey: attributes(version: version)]
            }
            if let refusal {
                try? group.deleteChild("spans-" + version)
                try? group.deleteChild("values-" + version)
                throw refusal
            }
            for child in try group.store.listDirectory(path) where child.contains("-") && !child.hasSuffix("-" + version) {
                try group.deleteChild(child)
            }
        } catch let error as CodecError {
            throw error
        } catch let error as ZarrError {
            throw CodecError.store(error, "cannot store layer '\(name)'", file: path)
        } catch {
            throw CodecError(.storage, "cannot store layer '\(name)': \(error)", file: path)
        }
    }

    private func writeTables(in group: ZarrGroup, version: String) throws(ZarrError) {
        var labels: [String: Int64] = [:]
        var recordings: [String: Int64] = [:]
        var spans: [Int64] = []
        var values: [Double] = []
        spans.reserveCapacity(rows.count * 5)
        values.reserveCapacity(rows.count * 4)
        for row in rows {
            let recording = recordings[row.recording] ?? Int64(recordings.count)
            recordings[row.recording] = recording
            var label: Int64 = -1
            if let text = row.label {
                label = labels[text] ?? Int64(labels.count)
                labels[text] = label
            }
            spans += [row.samples.lowerBound, row.samples.upperBound, recording, label, Int64(row.line)]
            values += [row.lowHz ?? .nan, row.highHz ?? .nan, row.confidence ?? .nan, row.channel.map(Double.init) ?? .nan]
        }
        for (name, columns, type) in [("spans", 5, DataType.int64), ("values", 4, DataType.float64)] {
            let array = try group.createArray(name + "-" + version, metadata: ArrayMetadata(
                shape: [rows.count, columns], dataType: type, chunkShape: [65_536, columns],
                codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)], fillValue: type == .float64 ? .string("NaN") : .int(0),
                dimensionNames: ["row", name == "spans" ? "first_sample,end_sample,recording,label,line" : "low_hz,high_hz,confidence,channel"]))
            guard !rows.isEmpty else { continue }
            if type == .int64 { try array.write(spans) } else { try array.write(values) }
        }
    }

    private func attributes(version: String) -> JSONValue {
        var recordingOrder: [String] = [], labelOrder: [String] = []
        var seenRecordings = Set<String>(), seenLabels = Set<String>()
        for row in rows {
            if seenRecordings.insert(row.recording).inserted { recordingOrder.append(row.recording) }
            if let label = row.label, seenLabels.insert(label).inserted { labelOrder.append(label) }
        }
        var extras: [String: JSONValue] = [:]
        for (k, column) in extraColumns.enumerated() {
            extras[column] = .array(rows.map { .string(k < $0.extra.count ? $0.extra[k] : "") })
        }
        return .object([
            "version": .string(version), "rows": .int(Int64(rows.count)), "source": .string(source), "imported_at": .string(importedAt),
            "recordings": .array(recordingOrder.map(JSONValue.string)), "labels": .array(labelOrder.map(JSONValue.string)),
            "label_column": labelColumn.map(JSONValue.string) ?? .null,
            "extra_columns": .array(extraColumns.map(JSONValue.string)), "extra_values": .object(extras),
            "tables": .object(["spans": .string("spans-" + version), "values": .string("values-" + version)]),
            "rounding": .string("sample = floor(seconds x rate + 0.5)"),
        ])
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
        let extraValues = extraColumns.map { facts["extra_values"]?[$0]?.arrayValue?.map { $0.stringValue ?? "" } ?? [] }
        guard rowCount >= 0, extraValues.allSatisfy({ $0.count == rowCount }) else { throw corrupt("its attributes do not hold \(rowCount) rows") }
        let spans: [Int64], values: [Double]
        do {
            let spanArray = try group.array("spans-" + version), valueArray = try group.array("values-" + version)
            guard spanArray.shape == [rowCount, 5], valueArray.shape == [rowCount, 4],
                  spanArray.metadata.dataType == .int64, valueArray.metadata.dataType == .float64 else {
                throw corrupt("its tables are not int64 [\(rowCount), 5] and float64 [\(rowCount), 4]")
            }
            spans = rowCount == 0 ? [] : try spanArray.read(Int64.self)
            values = rowCount == 0 ? [] : try valueArray.read(Double.self)
        } catch let error as CodecError {
            throw error
        } catch let error as ZarrError {
            throw CodecError.store(error, "cannot read layer '\(name)'", file: path)
        } catch {
            throw corrupt("\(error)")
        }
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for k in 0..<rowCount {
            let span = spans[k * 5..<k * 5 + 5].map { $0 }, value = values[k * 4..<k * 4 + 4].map { $0 }
            guard span[0] >= 0, span[1] >= span[0], recordings.indices.contains(Int(span[2])), span[3] == -1 || labels.indices.contains(Int(span[3])) else {
                throw corrupt("row \(k) does not agree with the layer's attributes")
            }
            func optional(_ x: Double) -> Double? { x.isNaN ? nil : x }
            rows.append(Row(
                recording: recordings[Int(span[2])], samples: span[0]..<span[1], lowHz: optional(value[0]), highHz: optional(value[1]),
                confidence: optional(value[2]), channel: optional(value[3]).flatMap { Int(exactly: $0) },
                label: span[3] == -1 ? nil : labels[Int(span[3])], line: Int(clamping: span[4]), extra: extraValues.map { $0[k] }))
        }
        return AnnotationLayer(name: name, labelColumn: facts["label_column"]?.stringValue, extraColumns: extraColumns, rows: rows,
                               source: facts["source"]?.stringValue ?? "", importedAt: facts["imported_at"]?.stringValue ?? "")
    }

    private init(name: String, labelColumn: String?, extraColumns: [String], rows: [Row], source: String, importedAt: String) {
        self.name = name
        self.labelColumn = labelColumn
        self.extraColumns = extraColumns
        self.rows = rows
        self.source = source
        self.importedAt = importedAt
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
