#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import ZarrStore

/// An import in progress, until its commit: on a filesystem store a staging folder renamed to
/// the next id under the archive lock (``Staging``); on object storage a claimed id whose
/// objects are written in place and whose group metadata is written last (``ObjectCommit``).
/// Either way nothing is visible before the commit, and ``remove()`` leaves nothing.
enum PendingImport {
    case folder(Staging, AudioArchive)
    case objects(id: String, ClaimLease, HeldRootStore, AudioArchive, ObjectCommit)

    static func begin(in archive: AudioArchive) throws(CodecError) -> PendingImport {
        guard let objects = archive.objects else { return .folder(try Staging.create(in: archive), archive) }
        let (id, lease) = try objects.claimID()
        let held = HeldRootStore(base: archive.store, heldKey: objects.recordingKey(id))
        do {
            _ = try ZarrGroup.create(in: held, at: archive.child(id))
        } catch {
            lease.stop()
            objects.abandon(id: id, sha256: nil)
            throw CodecError.store(error, "cannot create recording \(id)", file: archive.storeName)
        }
        return .objects(id: id, lease, held, archive, objects)
    }

    /// The recording group being written.
    var group: ZarrGroup {
        get throws(ZarrError) { try reopened() }
    }

    /// The group with its attributes as last written.
    func reopened() throws(ZarrError) -> ZarrGroup {
        switch self {
        case .folder(let staging, _): try staging.reopened()
        case .objects(let id, _, let held, let archive, _): try ZarrGroup.open(in: held, at: archive.child(id))
        }
    }

    func remove() {
        switch self {
        case .folder(let staging, _): staging.remove()
        case .objects(let id, let lease, _, _, let objects):
            lease.stop()
            objects.abandon(id: id, sha256: nil)
        }
    }

    /// Makes the recording visible under its id, unless the file is already in the archive
    /// (then this import is removed and the existing recording named).
    func commit(sha256: String, allowDuplicate: Bool, report: ImportReport) throws(CodecError) -> AudioArchive.Outcome {
        switch self {
        case .folder(let staging, let archive):
            return try archive.commitLocally(staging, sha256: sha256, allowDuplicate: allowDuplicate, report: report)
        case .objects(let id, let lease, let held, _, let objects):
            guard let metadata = held.heldValue else {
                remove()
                throw CodecError(.incompleteRecording, "recording \(id) has no group metadata to commit")
            }
            defer { lease.stop() }
            do {
                if let existing = try objects.commit(id: id, lease: lease, groupMetadata: metadata, sha256: sha256, allowDuplicate: allowDuplicate) {
                    return .duplicate(of: existing)
                }
            } catch {
                // Never a committed recording, nor what is no longer this importer's (see abandon).
                objects.abandon(id: id, sha256: sha256)
                throw error
            }
            return .imported(id: id, report: report)
        }
    }
}

extension AudioArchive {
    /// Under the archive lock: the duplicate check again, then the rename to the next free id
    /// (past every numeric child, damaged recordings included, so no id is ever reused).
    func commitLocally(_ staging: Staging, sha256: String, allowDuplicate: Bool, report: ImportReport) throws(CodecError) -> Outcome {
        try FileLock.withExclusiveLock(at: lockPath) { () throws(CodecError) -> Outcome in
            // One listing serves the duplicate check and the next id.
            let committed = try recordings()
            if !allowDuplicate, let existing = committed.first(where: { $0.damage == nil && $0.sha256 == sha256 })?.id {
                staging.remove()
                return .duplicate(of: existing)
            }
            let next = ((committed.compactMap { Self.boundedID($0.id) } + deletedIDs()).max() ?? -1) + 1
            guard staging.commit(to: folder + "/\(next)") else {
                let reason = String(cString: strerror(errno))
                staging.remove()
                throw CodecError(.storage, "cannot commit the recording as '\(next)': \(reason)", file: storeName)
            }
            return .imported(id: String(next), report: report)
        }
    }
}
