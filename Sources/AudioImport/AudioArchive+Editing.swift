#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation
import ZarrStore

extension AudioArchive {
    /// Where deleted ids are remembered (one empty file each), so that no id is ever reused.
    var deletedFolder: String { folder + "/" + Self.internalFolder + "/deleted" }
    /// Where a deleted recording's folder goes before it is removed (never listed).
    var trashFolder: String { folder + "/" + Self.internalFolder + "/trash" }

    /// The ids deleted from the archive.
    func deletedIDs() -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: deletedFolder)) ?? []).compactMap(Int.init)
    }

    /// Deletes recording `id`, atomically: under the archive lock its id is remembered (never
    /// reused), then its folder is renamed out of the archive in one step and removed. Readers
    /// see it whole or not at all; the sha256 gate forgets it, so its source can be imported again.
    /// - Throws: ``CodecError/Code/invalidArgument`` when there is no such recording.
    public func delete(_ id: String) throws(CodecError) {
        try FileLock.withExclusiveLock(at: lockPath) { () throws(CodecError) in
            guard Self.isRecordingID(id), SourceFile.status(folder + "/" + id)?.isFolder == true else {
                throw CodecError(.invalidArgument, "no recording '\(id)' in the archive", file: store.root, recording: id)
            }
            do {
                try FileManager.default.createDirectory(atPath: deletedFolder, withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: trashFolder, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: deletedFolder + "/" + id, contents: Data()) else {
                    throw CodecError(.storage, "cannot remember the deleted id", file: deletedFolder, recording: id)
                }
            } catch let error as CodecError {
                throw error
            } catch {
                throw CodecError(.storage, "cannot prepare the deletion: \(error.localizedDescription)", file: store.root, recording: id)
            }
            let trash = trashFolder + "/" + id + "." + UUID().uuidString
            guard rename(folder + "/" + id, trash) == 0 else {
                throw CodecError(.storage, "cannot delete the recording: \(String(cString: strerror(errno)))", file: store.root, recording: id)
            }
            try? FileManager.default.removeItem(atPath: trash)
        }
    }

    /// Changes recording `id`'s start time and/or user metadata in one atomic rewrite of its
    /// `zarr.json`, keeping the old values in its `history` list (with the time of the change).
    /// - Parameters:
    ///   - startTime: ISO 8601 with Z or an offset; recorded with source `user`.
    ///   - metadata: replaces the user metadata (`metadata.user`).
    public func update(_ id: String, startTime: String? = nil, metadata: JSONValue? = nil) throws(CodecError) {
        if let startTime, Instant(startTime) == nil {
            throw CodecError(.invalidArgument, "the start time must be ISO 8601 with seconds and an offset or Z, not '\(startTime)'", recording: id)
        }
        guard startTime != nil || metadata != nil else {
            throw CodecError(.invalidArgument, "nothing to change: give a start time or metadata", recording: id)
        }
        try FileLock.withExclusiveLock(at: lockPath) { () throws(CodecError) in
            var group = try recording(id)
            var facts = group.attributes[RecordingLayout.attributeKey]?.objectValue ?? [:]
            var old: [String: JSONValue] = ["changed_at": .string(Instant(secondsSinceEpoch: Date().timeIntervalSince1970.rounded()).text)]
            if let startTime {
                old["start_time"] = facts["start_time"] ?? .null
                facts["start_time"] = ["iso8601": .string(startTime), "source": "user"]
            }
            if let metadata {
                var all = facts["metadata"]?.objectValue ?? [:]
                old["metadata_user"] = all["user"] ?? .null
                all["user"] = metadata
                facts["metadata"] = .object(all)
            }
            facts["history"] = .array((facts["history"]?.arrayValue ?? []) + [.object(old)])
            do {
                try group.setAttributes(group.attributes.merging([RecordingLayout.attributeKey: .object(facts)]) { _, new in new })
            } catch {
                throw CodecError.store(error, "cannot update the recording's metadata", file: store.root).inRecording(id)
            }
        }
    }
}
