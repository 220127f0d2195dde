import CodecCore
import Foundation

/// Annotation layers: selection and detection tables placed on the archive's recordings
/// (``SelectionTable``, ``SelectionPlacement``, ``AnnotationLayer``).
extension AudioArchive {
    /// How a table's rows are found in the archive.
    public struct TablePlacement: Sendable {
        /// Column names tried first (`--columns`).
        public var columns = SelectionTable.ColumnMapping()
        /// The recording of a table that names no files.
        public var recording: String?
        /// The zone of the table's wall-clock times (default UTC).
        public var timeZone: TimeZoneSpec?
        /// Only recordings of this device, for wall-clock rows.
        public var device: String?
        public init() {}
    }

    /// The table at `path` with its rows placed as they are read (nothing is stored): for a
    /// table used at once (clips of its rows), of any length.
    /// - Parameter skipped: called with each row that cannot be placed, as it comes.
    /// - Throws: as ``SelectionTable/open(_:columns:)``.
    public func placedTable(_ path: String, _ placement: TablePlacement, skipped: @escaping (SelectionPlacement.Problem) -> Void) throws(CodecError) -> PlacedTable {
        let table = try SelectionTable.open(path, columns: placement.columns)
        let placer = try SelectionPlacement.Placer(table, among: try recordings(), recording: placement.recording, timeZone: placement.timeZone, device: placement.device)
        return PlacedTable(name: (path as NSString).lastPathComponent, table: table, placer: placer, skipped: skipped)
    }

    /// A table whose rows are placed as they are read; those that cannot be are handed to `skipped`.
    public struct PlacedTable: PlacedRows {
        public let name: String
        let table: SelectionTable
        let placer: SelectionPlacement.Placer
        let skipped: (SelectionPlacement.Problem) -> Void
        public var extraColumns: [String] { table.extraColumns }

        public func forEachRow(_ body: (AnnotationLayer.Row) throws(CodecError) -> Void) throws(CodecError) {
            try table.forEachRow { (row) throws(CodecError) in
                switch placer.place(row) {
                case .success(let placed): try body(placed)
                case .failure(let problem): skipped(problem)
                }
            }
        }
    }

    /// The rows of a table that could not be placed: how many, and the first few to show.
    struct PlacementProblems {
        private(set) var count = 0
        private(set) var first: [SelectionPlacement.Problem] = []
        static let shown = 20

        mutating func add(_ problem: SelectionPlacement.Problem) {
            count += 1
            if first.count < Self.shown { first.append(problem) }
        }
    }

    /// Imports the table at `table` (a file) as layer `name`, reading it a line at a time (a
    /// table of any length costs a chunk of rows in memory): every row placed, or (with
    /// `skippingUnplaced`) those that could be; an existing layer is replaced only when `replacing`.
    /// - Parameter source: what the layer keeps as its source (default: the table's file name).
    /// - Parameter skipped: called with each row left out (with `skippingUnplaced`), as it comes.
    /// - Returns: what the layer holds, how many rows were left out and how the table's bytes
    ///   were read as text.
    /// - Throws: ``CodecError/Code/corrupt`` listing the rows that could not be placed
    ///   (their lines and why) unless `skippingUnplaced`; ``CodecError/Code/cannotCreate`` for an
    ///   existing layer without `replacing`.
    @discardableResult
    public func importLayer(
        _ name: String, from table: String, placement: TablePlacement, replacing: Bool, skippingUnplaced: Bool, source: String? = nil,
        skipped: ((SelectionPlacement.Problem) -> Void)? = nil
    ) throws(CodecError) -> (layer: AnnotationLayer.Written, skipped: Int, encoding: TableTextEncoding) {
        guard AnnotationLayer.isValidName(name) else {
            throw CodecError(.invalidArgument, "'\(name)' cannot name a layer: letters, digits, '-', '_' and '.', not starting with '.'")
        }
        var problems = PlacementProblems(), rows = 0
        let placed = try placedTable(table, placement) { problem in
            rows += 1
            problems.add(problem)
            if skippingUnplaced { skipped?(problem) }
        }
        let written = try AnnotationLayer.store(
            name, labelColumn: placed.table.labelColumn, extraColumns: placed.extraColumns, source: source ?? (placed.table.path as NSString).lastPathComponent,
            importedAt: Instant.utcText(Date().timeIntervalSince1970), in: store, folder: AnnotationLayer.folder(of: self.path), replacing: replacing,
            exclusively: { (step) throws(CodecError) in try committer.excludingWriters(of: self, step) }
        ) { (sink) throws(CodecError) in
            try placed.forEachRow { (row) throws(CodecError) in
                rows += 1
                if problems.count == 0 || skippingUnplaced { try sink.append(row) }
            }
            if problems.count > 0 && !skippingUnplaced {
                let shown = problems.first.map { "line \($0.line): \($0.message)" }.joined(separator: "; ")
                throw CodecError(.corrupt, "\(problems.count) of \(rows) rows cannot be placed (nothing imported; --skip-unplaced imports the others): \(shown)\(problems.count > PlacementProblems.shown ? "; ..." : "")", file: placed.table.path)
            }
        }
        return (written, problems.count, placed.table.textEncoding)
    }

    /// Removes the rows of recordings `ids` from every layer that has some, once those
    /// recordings are deleted (a row of a recording no longer in the archive has no rate, file or
    /// audio to give it seconds or a clip). Each such layer is rewritten without them as a new
    /// version, swapped in atomically (``AnnotationLayer/store``), keeping its source and import time.
    /// - Returns: the layers changed, with the rows each lost.
    func removeRows(ofRecordings ids: Set<String>) throws(CodecError) -> [(layer: String, rows: Int)] {
        var changed: [(layer: String, rows: Int)] = []
        for name in try layerNames() {
            let layer = try self.layer(name)
            guard layer.recordings.contains(where: ids.contains) else { continue }
            var removed = 0
            _ = try AnnotationLayer.store(
                name, labelColumn: layer.labelColumn, extraColumns: layer.extraColumns, source: layer.source, importedAt: layer.importedAt,
                in: store, folder: AnnotationLayer.folder(of: path), replacing: true,
                exclusively: { (step) throws(CodecError) in try committer.excludingWriters(of: self, step) }
            ) { (sink) throws(CodecError) in
                try layer.forEachRow { (row) throws(CodecError) in
                    if ids.contains(row.recording) { removed += 1 } else { try sink.append(row) }
                }
            }
            changed.append((name, removed))
        }
        return changed
    }

    /// Removes the layers' rows of recordings that are not in the archive (damaged ones count as
    /// there): what a delete cut short, or one of an earlier version, left in them.
    /// - Returns: the layers changed, with the rows each lost.
    public func removeRowsOfMissingRecordings() throws(CodecError) -> [(layer: String, rows: Int)] {
        // The layers first, the recordings after: a row is placed only on a committed recording,
        // so one committed (and annotated) while this runs is listed below, never taken for gone;
        // ids are never reused, so one gone stays gone.
        var annotated = Set<String>()
        for name in try layerNames() { annotated.formUnion(try layer(name).recordings) }
        let missing = annotated.subtracting(try recordingIDs())
        return missing.isEmpty ? [] : try removeRows(ofRecordings: missing)
    }

    /// The names of the archive's layers.
    public func layerNames() throws(CodecError) -> [String] {
        try AnnotationLayer.names(in: store, folder: AnnotationLayer.folder(of: self.path))
    }

    /// Layer `name`.
    public func layer(_ name: String) throws(CodecError) -> AnnotationLayer {
        try AnnotationLayer.load(name, from: store, folder: AnnotationLayer.folder(of: self.path))
    }

    /// Deletes layer `name`.
    public func deleteLayer(_ name: String) throws(CodecError) {
        try committer.excludingWriters(of: self) { () throws(CodecError) in
            try AnnotationLayer.delete(name, from: store, folder: AnnotationLayer.folder(of: self.path))
        }
    }
}
