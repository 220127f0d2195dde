#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation
import ZarrStore

/// The commit protocol of an archive in a folder: an import is written into its own staging
/// folder (``Staging``), which the commit renames to the next id under an exclusive `flock` on
/// `.zarrwlr/lock` (``FileLock``), after the duplicate check (``LocalRegistry``); every file and
/// folder is fsynced before the rename and the archive folder after it, so after a power cut a
/// recording is complete or absent. Internal paths that are symbolic links are refused, never
/// followed.
struct LocalCommitter: RecordingCommitter {
    /// The archive group's folder.
    let folder: String

    var internalFolder: String { folder + "/" + AudioArchive.internalFolder }
    var stagingFolder: String { internalFolder + "/staging" }
    var lockPath: String { internalFolder + "/lock" }
    /// Where deleted ids are remembered (one empty file each), so that no id is ever reused.
    var deletedFolder: String { internalFolder + "/deleted" }
    /// Where a deleted recording's folder goes before it is removed (never listed).
    var trashFolder: String { internalFolder + "/trash" }

    /// The internal paths that clean-up, locking and the registry touch.
    var internalPaths: [String] {
        [internalFolder, stagingFolder, lockPath, deletedFolder, trashFolder, internalFolder + "/sha256", internalFolder + "/next_id", internalFolder + "/time"]
    }

    /// The ids deleted from the archive (names beyond ``AudioArchive/maximumID`` are no ids: a
    /// crafted `deleted/9223372036854775807` must not overflow the next id).
    func deletedIDs() -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: deletedFolder)) ?? []).compactMap(AudioArchive.boundedID)
    }

    var uncommittedChildrenAreImports: Bool { false }

    /// Refuses an archive whose internal folder, or anything the archive cleans up or locks in
    /// it, is a symbolic link: following one, a clean-up would delete files outside the store (a
    /// store copied from a NAS may carry such links).
    /// - Throws: ``CodecError/Code/corrupt`` naming the link and where it points.
    func refuseUnsafeLayout() throws(CodecError) {
        for path in internalPaths {
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { continue }
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            throw CodecError(.corrupt, "the archive's internal path \(path) is a symbolic link (to \(target)); zarrwlr never follows links there, since its clean-up would then delete files outside the store. Replace the link by a real folder (or remove it) and run the command again", file: folder)
        }
    }

    func begin(in archive: AudioArchive) throws(CodecError) -> any PendingRecording {
        Staging.removeStale(in: self, legacy: false)
        return PendingFolder(staging: try Staging.create(in: self), archive: archive, committer: self)
    }

    func recording(madeFrom sha256: String, in archive: AudioArchive) throws(CodecError) -> String? {
        LocalRegistry(archive: archive, committer: self).recording(madeFrom: sha256)
    }

    /// Under the archive lock: the id remembered (never reused), then the recording's folder
    /// renamed out of the archive in one step and removed, its marker forgotten.
    func delete(_ id: String, in archive: AudioArchive) throws(CodecError) -> AudioArchive.Summary? {
        try FileLock.withExclusiveLock(at: lockPath) { () throws(CodecError) -> AudioArchive.Summary? in
            guard AudioArchive.isRecordingID(id), SourceFile.status(folder + "/" + id)?.isFolder == true else {
                throw CodecError(.invalidArgument, "no recording '\(id)' in the archive", file: folder, recording: id)
            }
            do {
                try FileManager.default.createDirectory(atPath: deletedFolder, withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: trashFolder, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: deletedFolder + "/" + id, contents: Data()), FilesystemStore.syncFolder(deletedFolder) else {
                    throw CodecError(.storage, "cannot remember the deleted id", file: deletedFolder, recording: id)
                }
            } catch let error as CodecError {
                throw error
            } catch {
                throw CodecError(.storage, "cannot prepare the deletion: \(CodecError.reason(error))", file: folder, recording: id)
            }
            let deleted = try? archive.summary(id)
            let trash = trashFolder + "/" + id + "." + UUID().uuidString
            guard rename(folder + "/" + id, trash) == 0 else {
                throw CodecError(.storage, "cannot delete the recording: \(String(cString: strerror(errno)))", file: folder, recording: id)
            }
            _ = FilesystemStore.syncFolder(folder)
            LocalRegistry(archive: archive, committer: self).didDelete(id: id, sha256: deleted?.sha256)
            try? FileManager.default.removeItem(atPath: trash)
            return deleted
        }
    }

    func excludingWriters<T>(of archive: AudioArchive, _ body: () throws(CodecError) -> T) throws(CodecError) -> T {
        try FileLock.withExclusiveLock(at: lockPath, body)
    }

    func excludingWriters<T>(of archive: AudioArchive, _ body: () async throws(CodecError) -> T) async throws(CodecError) -> T {
        try await FileLock.withExclusiveLock(at: lockPath, body)
    }

    func collectGarbage(in archive: AudioArchive, staleAfter: Double?) -> Int {
        Staging.removeStale(in: self)
    }

    /// Under the archive lock: the duplicate check again, then the rename to the next free id
    /// (never one used before, damaged recordings and deletions included), each in O(1) file
    /// operations through the ``LocalRegistry``.
    func commit(_ staging: Staging, of archive: AudioArchive, sha256: String, allowDuplicate: Bool, report: ImportReport) throws(CodecError) -> AudioArchive.Outcome {
        try FileLock.withExclusiveLock(at: lockPath) { () throws(CodecError) -> AudioArchive.Outcome in
            let registry = LocalRegistry(archive: archive, committer: self)
            let next: Int
            do throws(CodecError) {
                // First: in an archive made before the registry, this starts its markers.
                next = try registry.nextID()
                switch registry.recording(madeFrom: sha256) {
                case let existing? where !allowDuplicate:
                    staging.remove()
                    return .duplicate(of: existing)
                case nil:
                    try registry.willCommit(id: next, sha256: sha256)
                case _?:
                    break  // an allowed duplicate: the marker keeps naming the first recording
                }
                try archive.recordInTime(id: String(next), facts: try? staging.reopened().attributes[RecordingLayout.attributeKey])
            } catch {
                staging.remove()
                throw error
            }
            guard staging.commit(to: folder + "/\(next)") else {
                let reason = String(cString: strerror(errno))
                staging.remove()
                throw CodecError(.storage, "cannot commit the recording as '\(next)': \(reason)", file: folder)
            }
            // Committed: a counter left behind (this write failing) is moved past the id next time.
            try? registry.didCommit(id: next)
            return .imported(id: String(next), report: report)
        }
    }
}

/// An import into a folder archive: its staging folder, until the commit renames it.
struct PendingFolder: PendingRecording {
    let staging: Staging
    let archive: AudioArchive
    let committer: LocalCommitter

    func group() throws(ZarrError) -> ZarrGroup { try staging.reopened() }

    /// The fsyncs and the wait for the archive lock run on a thread of their own, not on the cooperative pool.
    func commit(sha256: String, allowDuplicate: Bool, report: ImportReport) async throws(CodecError) -> AudioArchive.Outcome {
        try await DedicatedThread.run { [self] () throws(CodecError) in
            do throws(CodecError) {
                try staging.makeDurable()
            } catch {
                staging.remove()
                throw error
            }
            return try committer.commit(staging, of: archive, sha256: sha256, allowDuplicate: allowDuplicate, report: report)
        }
    }

    func remove() { staging.remove() }
}
