import CodecCore
import ZarrStore

/// ``ObjectCommitter`` as the archive's committer on object storage.
extension ObjectCommitter: RecordingCommitter {
    var uncommittedChildrenAreImports: Bool { true }

    /// Object storage has no links to follow.
    func refuseUnsafeLayout() throws(CodecError) {}

    /// Claims the next id; the recording's arrays are then written in place under it, its group
    /// metadata held back (``HeldRootStore``) until the commit writes it.
    func begin(in archive: AudioArchive) throws(CodecError) -> any PendingRecording {
        let (id, lease) = try claimID()
        let held = HeldRootStore(base: archive.store, heldKey: recordingKey(id))
        do {
            _ = try ZarrGroup.create(in: held, at: archive.child(id))
        } catch {
            lease.stop()
            abandon(id: id, sha256: nil)
            throw CodecError.store(error, "cannot create recording \(id)", file: archive.storeName)
        }
        return PendingObjects(id: id, lease: lease, held: held, archive: archive, committer: self)
    }

    /// The marker `sha256/<hex>`, counted only when the recording it names is committed.
    func recording(madeFrom sha256: String, in archive: AudioArchive) throws(CodecError) -> String? {
        guard let bytes = try? store.get(markerKey(sha256)) else { return nil }
        let id = String(decoding: bytes, as: UTF8.self)
        return try isCommitted(id) ? id : nil
    }

    /// The id remembered, then the recording's group metadata erased (it vanishes in that one
    /// step), then its objects and its sha256 marker.
    func delete(_ id: String, in archive: AudioArchive) throws(CodecError) -> AudioArchive.Summary? {
        guard AudioArchive.isRecordingID(id), try isCommitted(id) else {
            throw CodecError(.invalidArgument, "no recording '\(id)' in the archive", file: archive.storeName, recording: id)
        }
        let deleted = try? archive.summary(id)
        do {
            try store.set(deletedKey(id), [])
            try store.erase(recordingKey(id))
        } catch {
            throw CodecError.store(error, "cannot delete the recording", file: archive.storeName).inRecording(id)
        }
        abandon(id: id, sha256: deleted?.sha256)
        return deleted
    }

    /// Nothing is held: every change of committed metadata is a compare-and-swap.
    func excludingWriters<T>(of archive: AudioArchive, _ body: () throws(CodecError) -> T) throws(CodecError) -> T {
        try body()
    }

    func excludingWriters<T>(of archive: AudioArchive, _ body: () async throws(CodecError) -> T) async throws(CodecError) -> T {
        try await body()
    }

    func collectGarbage(in archive: AudioArchive, staleAfter: Double?) -> Int {
        collectGarbage(staleAfter: staleAfter ?? Self.leaseSeconds)
    }
}

/// An import into an object-storage archive: its claimed id and the group metadata held back.
struct PendingObjects: PendingRecording {
    let id: String
    let lease: ClaimLease
    let held: HeldRootStore
    let archive: AudioArchive
    let committer: ObjectCommitter

    func group() throws(ZarrError) -> ZarrGroup { try ZarrGroup.open(in: held, at: archive.child(id)) }

    func remove() {
        lease.stop()
        committer.abandon(id: id, sha256: nil)
    }

    /// The store's requests (their retries, and the wait for another import of the same file)
    /// run on a thread of their own, not on the cooperative pool.
    func commit(sha256: String, allowDuplicate: Bool, report: ImportReport) async throws(CodecError) -> AudioArchive.Outcome {
        try await DedicatedThread.run { [self] () throws(CodecError) in try commitBlocking(sha256: sha256, allowDuplicate: allowDuplicate, report: report) }
    }

    private func commitBlocking(sha256: String, allowDuplicate: Bool, report: ImportReport) throws(CodecError) -> AudioArchive.Outcome {
        guard let metadata = held.heldValue else {
            remove()
            throw CodecError(.incompleteRecording, "recording \(id) has no group metadata to commit")
        }
        defer { lease.stop() }
        do {
            let facts = try? JSONValue(parsing: metadata)["attributes"]?[RecordingLayout.attributeKey]
            try archive.recordInTime(id: id, facts: facts)
            if let existing = try committer.commit(id: id, lease: lease, groupMetadata: metadata, sha256: sha256, allowDuplicate: allowDuplicate) {
                return .duplicate(of: existing)
            }
        } catch {
            // Never a committed recording, nor what is no longer this importer's (see abandon).
            committer.abandon(id: id, sha256: sha256)
            throw error
        }
        return .imported(id: id, report: report)
    }
}
