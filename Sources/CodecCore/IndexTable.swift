import Foundation
import ZarrStore

/// A recording's index tables: uint64 arrays of shape [rows, columns] (frame or page index,
/// restart points), zstd-compressed, named in the recording's attributes under
/// `zarrwlr.arrays.<role>` so that a rebuilt table replaces the old one in one atomic step.
///
/// A rebuild writes the new table beside the old one under a fresh name, then rewrites the
/// recording's `zarr.json` (one atomic write) to name it, and only then deletes the old table.
/// A kill at any point leaves the old table or the new one named, never a half-written one;
/// an unnamed leftover is deleted by the next rebuild.
public enum IndexTable {
    /// A table read back.
    public struct Contents: Sendable {
        /// Row-major values, `rows x columns`.
        public let values: [UInt64]
        public let rows: Int
        public let attributes: [String: JSONValue]

        /// Row `row`, column `column`, as a non-negative Int64.
        /// - Throws: ``CodecError/Code/corrupt`` for a value beyond Int64 (a damaged index).
        public func value(_ row: Int, _ column: Int, columns: Int) throws(CodecError) -> Int64 {
            let value = values[row * columns + column]
            guard value <= UInt64(Int64.max) else {
                throw CodecError(.corrupt, "index value \(value) at row \(row), column \(column) is out of range")
            }
            return Int64(value)
        }
    }

    /// The array name the recording's attributes give for `role`, or `defaultName`.
    public static func name(of role: String, in group: ZarrGroup, defaultName: String) -> String {
        group.attributes[RecordingLayout.attributeKey]?["arrays"]?[role]?.stringValue ?? defaultName
    }

    /// Writes a new table `name` (replacing an array of that name).
    public static func write(
        _ values: [UInt64], columns: [String], attributes: [String: JSONValue], dimensionNames: [String], named name: String,
        in group: ZarrGroup, codec: CodecID
    ) throws(CodecError) {
        precondition(values.count % columns.count == 0)
        let rows = values.count / columns.count
        do {
            if (try? group.array(name)) != nil { try group.deleteChild(name) }
            var allAttributes = attributes
            allAttributes["columns"] = .array(columns.map(JSONValue.string))
            let array = try group.createArray(name, metadata: ArrayMetadata(
                shape: [rows, columns.count], dataType: .uint64, chunkShape: [65_536, columns.count],
                codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)],
                attributes: allAttributes, dimensionNames: dimensionNames))
            if rows > 0 { try array.write(values) }
        } catch {
            throw CodecError.store(error, "cannot write the index table '\(name)'", codec: codec, file: group.path)
        }
    }

    /// Replaces the table of `role` in a committed recording atomically (see the type), or
    /// deletes it when `values` is nil. Returns the new name.
    @discardableResult
    public static func replace(
        role: String, defaultName: String, with values: [UInt64]?, columns: [String], attributes: [String: JSONValue],
        dimensionNames: [String], in group: ZarrGroup, codec: CodecID
    ) throws(CodecError) -> String? {
        var newName: String?
        if let values {
            let fresh = defaultName + "-" + String(UUID().uuidString.prefix(8)).lowercased()
            try write(values, columns: columns, attributes: attributes, dimensionNames: dimensionNames, named: fresh, in: group, codec: codec)
            newName = fresh
        }
        // The switch changes the attributes as stored now (compare-and-swap on object storage),
        // so that a metadata change made meanwhile is kept and a recording deleted meanwhile
        // stays deleted; the table just written is then removed again.
        var recording = group
        var old = name(of: role, in: group, defaultName: defaultName)
        do {
            try recording.changeAttributes { stored in
                var facts = stored[RecordingLayout.attributeKey]?.objectValue ?? [:]
                var arrays = facts["arrays"]?.objectValue ?? [:]
                if let named = arrays[role]?.stringValue, named != newName { old = named }
                guard arrays[role]?.stringValue != newName else { return nil }
                arrays[role] = newName.map(JSONValue.string)
                facts["arrays"] = .object(arrays)
                return stored.merging([RecordingLayout.attributeKey: .object(facts)]) { _, new in new }
            }
        } catch {
            if let newName { try? group.deleteChild(newName) }
            throw CodecError.store(error, "cannot switch the recording to its new index table", codec: codec, file: group.path)
        }
        try deleteUnnamed(prefix: defaultName, keeping: newName, also: old, in: recording, codec: codec)
        return newName
    }

    /// Deletes tables named `prefix` or `prefix-*` other than `keeping` (leftovers of
    /// interrupted rebuilds, and the table just replaced).
    private static func deleteUnnamed(prefix: String, keeping: String?, also old: String, in group: ZarrGroup, codec: CodecID) throws(CodecError) {
        do {
            // Listed as folders, not nodes: an interrupted write may have left one without zarr.json.
            for name in try group.store.listDirectory(group.path) where name != keeping && (name == prefix || name.hasPrefix(prefix + "-") || name == old) {
                try group.deleteChild(name)
            }
        } catch {
            throw CodecError.store(error, "cannot delete the replaced index table", codec: codec, file: group.path)
        }
    }

    /// Reads the table of `role`, which must have `columns` columns.
    /// - Throws: ``CodecError/Code/incompleteRecording`` when it is missing,
    ///   ``CodecError/Code/corrupt`` when its shape is not [rows, columns] or it does not decode.
    public static func read(role: String, defaultName: String, columns: Int, in group: ZarrGroup, codec: CodecID) throws(CodecError) -> Contents {
        let group = current(group, role: role, defaultName: defaultName)
        let name = name(of: role, in: group, defaultName: defaultName)
        do {
            let array = try group.array(name)
            guard array.metadata.dataType == .uint64, array.shape.count == 2, array.shape[1] == columns else {
                throw CodecError(.corrupt, "\(name) is \(array.metadata.dataType.rawValue) of shape \(array.shape), uint64 [rows, \(columns)] expected", codec: codec, file: group.path)
            }
            let values = try array.read(UInt64.self)
            return Contents(values: values, rows: array.shape[0], attributes: array.metadata.attributes)
        } catch {
            throw CodecError.store(error, "cannot read the index table '\(name)'", codec: codec, file: group.path)
        }
    }

    /// Whether the recording has a table of `role`.
    public static func exists(role: String, defaultName: String, in group: ZarrGroup) -> Bool {
        let group = current(group, role: role, defaultName: defaultName)
        return (try? group.array(name(of: role, in: group, defaultName: defaultName))) != nil
    }

    /// `group`, or the group read again from the store when the table its attributes name is
    /// gone (a rebuild since the value was read replaced it).
    private static func current(_ group: ZarrGroup, role: String, defaultName: String) -> ZarrGroup {
        guard (try? group.array(name(of: role, in: group, defaultName: defaultName))) == nil,
              let fresh = try? ZarrGroup.open(in: group.store, at: group.path)
        else { return group }
        return fresh
    }
}
