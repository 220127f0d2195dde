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

    /// Reads the table at `path` and places its rows (nothing is stored).
    /// - Throws: ``CodecError/Code/noInput`` for an unreadable file; as ``SelectionTable/parse(_:file:columns:)``.
    /// The table's rows are left out of the table returned (they are in `placed`, or problems).
    public func placeSelections(from path: String, _ placement: TablePlacement) throws(CodecError) -> (table: SelectionTable, placed: [AnnotationLayer.Row], problems: [SelectionPlacement.Problem]) {
        // The file's bytes are let go once they are text, and the text once it is parsed.
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw CodecError(.noInput, "cannot read the table", file: path)
        }
        var table = try SelectionTable.parse(consume text, file: path, columns: placement.columns)
        let (placed, problems) = SelectionPlacement.place(table, among: try recordings(), recording: placement.recording, timeZone: placement.timeZone, device: placement.device)
        table.rowCount = table.rows.count
        table.rows = []
        return (table, placed, problems)
    }

    /// Imports the table at `table` (a file) as layer `name`: every row placed, or (with `skippingUnplaced`)
    /// those that could be; an existing layer is replaced only when `replacing`.
    /// - Throws: ``CodecError/Code/corrupt`` listing the rows that could not be placed
    ///   (their lines and why) unless `skippingUnplaced`; ``CodecError/Code/cannotCreate`` for an
    ///   existing layer without `replacing`.
    @discardableResult
    public func importLayer(
        _ name: String, from table: String, placement: TablePlacement, replacing: Bool, skippingUnplaced: Bool
    ) throws(CodecError) -> (layer: AnnotationLayer, problems: [SelectionPlacement.Problem]) {
        guard AnnotationLayer.isValidName(name) else {
            throw CodecError(.invalidArgument, "'\(name)' cannot name a layer: letters, digits, '-', '_' and '.', not starting with '.'")
        }
        let file = table
        let (table, placed, problems) = try placeSelections(from: file, placement)
        if !problems.isEmpty && !skippingUnplaced {
            let shown = problems.prefix(20).map { "line \($0.line): \($0.message)" }.joined(separator: "; ")
            throw CodecError(.corrupt, "\(problems.count) of \(table.rowCount) rows cannot be placed (nothing imported; --skip-unplaced imports the others): \(shown)\(problems.count > 20 ? "; ..." : "")", file: file)
        }
        let layer = AnnotationLayer(name: name, placed: placed, table: table, source: (file as NSString).lastPathComponent)
        try committer.excludingWriters(of: self) { () throws(CodecError) in
            try layer.store(in: store, folder: AnnotationLayer.folder(of: self.path), replacing: replacing)
        }
        return (layer, problems)
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
