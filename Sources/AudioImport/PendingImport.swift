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
    func commit(sha256: String, allowDuplicate: Bool, report: ImportReport) async throws(CodecError) -> AudioArchive.Outcome {
        switch self {
        case .folder(let staging, let archive):
            return try archive.commitLocally(staging, sha256: sha256, allowDuplicate: allowDuplicate, report: report)
        case .objects(let id, let lease, let held, let archive, let objects):
            guard let metadata = held.heldValue else {
                remove()
                throw CodecError(.incompleteRecording, "recording \(id) has no group metadata to commit")
            }
            defer { lease.stop() }
            do {
                let facts = try? JSONValue(parsing: metadata)["attributes"]?[RecordingLayout.attributeKey]
                try archive.recordInTime(id: id, facts: facts)
                if let existing = try await objects.commit(id: id, lease: lease, groupMetadata: metadata, sha256: sha256, allowDuplicate: allowDuplicate) {
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
    /// (never one used before, damaged recordings and deletions included), each in O(1) file
    /// operations through the ``LocalRegistry``.
    func commitLocally(_ staging: Staging, sha256: String, allowDuplicate: Bool, report: ImportReport) throws(CodecError) -> Outcome {
        try FileLock.withExclusiveLock(at: lockPath) { () throws(CodecError) -> Outcome in
            let registry = LocalRegistry(archive: self)
            let next: Int
            do throws(CodecError) {
                // First: in an archive made before the registry, this starts its markers.
                next = try registry.nextID()
                if !allowDuplicate, let existing = registry.recording(madeFrom: sha256) {
                    staging.remove()
                    return .duplicate(of: existing)
                }
                if registry.recording(madeFrom: sha256) == nil { try registry.willCommit(id: next, sha256: sha256) }
                try recordInTime(id: String(next), facts: try? staging.reopened().attributes[RecordingLayout.attributeKey])
            } catch {
                staging.remove()
                throw error
            }
            guard staging.commit(to: folder + "/\(next)") else {
                let reason = String(cString: strerror(errno))
                staging.remove()
                throw CodecError(.storage, "cannot commit the recording as '\(next)': \(reason)", file: storeName)
            }
            // Committed: a counter left behind (this write failing) is moved past the id next time.
            try? registry.didCommit(id: next)
            return .imported(id: String(next), report: report)
        }
    }

    /// Before a commit: the time index entries of recording `id` (the index started first when
    /// the archive has none, so that it is complete once this commit is).
    func recordInTime(id: String, facts: JSONValue?) throws(CodecError) {
        if !timeIndex.isComplete { try completeTimeIndex() }
        try timeIndex.record(Summary(id: id, attributes: facts ?? [:]))
    }
}
