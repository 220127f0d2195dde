import CodecCore
import Foundation
import ZarrStore

/// What a filesystem archive keeps so that an import costs O(1) file operations, whatever the
/// archive's size: the next id (`.zarrwlr/next_id`) and one duplicate marker per source
/// (`.zarrwlr/sha256/<hex>`, holding the id of the recording made from it), the same names as
/// on object storage (``ObjectCommitter``). Written under the archive lock only, each file replaced
/// atomically and fsynced (``FilesystemStore``).
///
/// Neither is trusted blindly, so that a crash between steps or an older writer loses nothing:
/// a marker counts only when its recording exists and names that sha256, and the counter is
/// moved past any id that is taken (a folder or a remembered deletion) before it is used. An
/// archive without a counter (made before it existed) is listed once to start it and its markers.
struct LocalRegistry {
    let archive: AudioArchive
    let committer: LocalCommitter
    private var internalStore: FilesystemStore { FilesystemStore(root: committer.internalFolder) }
    private static let counterKey = "next_id"
    private static func markerKey(_ sha256: String) -> String { "sha256/" + sha256 }

    /// The recording made from the source with `sha256`, or nil.
    func recording(madeFrom sha256: String) -> String? {
        guard SourceFile.isSHA256(sha256), let bytes = try? internalStore.get(Self.markerKey(sha256)) else { return nil }
        let id = String(decoding: bytes, as: UTF8.self)
        guard AudioArchive.boundedID(id) != nil, (try? archive.summary(id))?.sha256 == sha256 else { return nil }
        return id
    }

    /// The id the next commit takes (under the archive lock): the counter, moved past any id
    /// that is taken; the counter is started by one listing when the archive has none.
    func nextID() throws(CodecError) -> Int {
        var next: Int
        if let bytes = try? internalStore.get(Self.counterKey), let stored = AudioArchive.boundedID(String(decoding: bytes, as: UTF8.self)) {
            next = stored
        } else {
            next = try start()
        }
        while next < AudioArchive.maximumID, isTaken(next) { next += 1 }
        guard next < AudioArchive.maximumID else {
            throw CodecError(.storage, "the archive has no free id left", file: archive.storeName)
        }
        return next
    }

    /// Records a commit about to happen (under the archive lock): the marker first, so that a
    /// crash after the rename cannot leave the recording without one (a marker whose recording
    /// never appeared is ignored by ``recording(madeFrom:)``).
    func willCommit(id: Int, sha256: String) throws(CodecError) {
        guard SourceFile.isSHA256(sha256) else { return }
        try write(Self.markerKey(sha256), String(id))
    }

    /// Records a commit that happened (under the archive lock): the counter moves past `id`.
    func didCommit(id: Int) throws(CodecError) {
        try write(Self.counterKey, String(id + 1))
    }

    /// Forgets the marker of a deleted recording (under the archive lock), if it names `id`.
    func didDelete(id: String, sha256: String?) {
        guard let sha256, SourceFile.isSHA256(sha256), let bytes = try? internalStore.get(Self.markerKey(sha256)),
              String(decoding: bytes, as: UTF8.self) == id
        else { return }
        try? internalStore.erase(Self.markerKey(sha256))
    }

    /// Whether `id` is a folder of the archive or a remembered deletion.
    private func isTaken(_ id: Int) -> Bool {
        SourceFile.status(committer.folder + "/\(id)") != nil || SourceFile.status(committer.deletedFolder + "/\(id)") != nil
    }

    /// The counter and the markers of an archive that has none: one listing.
    private func start() throws(CodecError) -> Int {
        let committed = try archive.recordings()
        var marked = Set<String>()
        for summary in committed where summary.damage == nil {
            // The first recording of each source in id order, as the markers name them.
            if let sha256 = summary.sha256, SourceFile.isSHA256(sha256), marked.insert(sha256).inserted {
                try write(Self.markerKey(sha256), summary.id)
            }
        }
        let next = ((committed.compactMap { AudioArchive.boundedID($0.id) } + committer.deletedIDs()).max() ?? -1) + 1
        try write(Self.counterKey, String(next))
        return next
    }

    private func write(_ key: String, _ text: String) throws(CodecError) {
        do {
            try internalStore.set(key, Array(text.utf8))
        } catch {
            throw CodecError.store(error, "cannot record the commit in \(AudioArchive.internalFolder)/\(key)", file: archive.storeName)
        }
    }
}
