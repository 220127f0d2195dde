import CodecCore
import Foundation
import ObjectStore
import ZarrStore

/// The archive's commit protocol on S3-protocol object storage, built on conditional writes
/// (`If-None-Match: *` is create-if-absent, `If-Match: ETag` compare-and-swap; a 404, 409 or 412
/// on a conditional request is a lost race). Under the archive's `.zarrwlr/` prefix, which holds
/// no `zarr.json`, so zarr-python lists nothing in it:
///
/// 1. **Claim an id**: create-if-absent `claims/<id>` (owner, host, pid, start), the next id
///    on a lost race. Ids past every listed id, claim and `deleted/<id>` are tried, so none is
///    ever reused.
/// 2. **Write** the recording's arrays in place under `<id>/`, its group `zarr.json` held back
///    (``HeldRootStore``): without it nothing lists `<id>` as a recording.
/// 3. **Gate duplicates**: create-if-absent `sha256/<hex>` holding the id; lost, the marker's
///    recording is committed (a duplicate: this import is removed), or still being imported (wait
///    for it), or abandoned (its claim stale: the marker is taken over by compare-and-swap).
/// 4. **Commit**: create-if-absent `<id>/zarr.json`, the recording becomes visible in one write;
///    then the claim is removed.
///
/// A killed importer leaves a claim, objects under `<id>/` and perhaps a marker, none visible;
/// ``collectGarbage(staleAfter:)`` (run by `aimport gc` and `verify`) removes those of claims
/// whose importer is gone (``ImporterOwner``: on this host its process ended, from another host
/// older than the lease).
struct ObjectCommit: Sendable {
    let store: S3Store
    /// The archive group's path in the store ("" for the root).
    let path: String

    /// Claims of importers on other hosts count as stale after this long.
    static let leaseSeconds: Double = 24 * 3600

    private func key(_ name: String) -> String { path.isEmpty ? name : path + "/" + name }
    private var internalPrefix: String { key(AudioArchive.internalFolder) }
    func claimKey(_ id: String) -> String { internalPrefix + "/claims/" + id }
    func markerKey(_ sha256: String) -> String { internalPrefix + "/sha256/" + sha256 }
    func deletedKey(_ id: String) -> String { internalPrefix + "/deleted/" + id }
    func recordingKey(_ id: String) -> String { key(id) + "/zarr.json" }

    private func numericNames(_ prefix: String) throws(CodecError) -> [Int] {
        do { return try store.listDirectory(prefix).compactMap(Int.init) } catch {
            throw CodecError.store(error, "cannot list the archive", file: store.location.description)
        }
    }

    /// Claims the next free id (step 1).
    func claimID() throws(CodecError) -> String {
        let taken = try numericNames(path) + numericNames(internalPrefix + "/claims") + numericNames(internalPrefix + "/deleted")
        var next = (taken.max() ?? -1) + 1
        let owner = ImporterOwner.current
        for _ in 0..<10_000 {
            do {
                if try store.createIfAbsent(claimKey(String(next)), owner.serialized()) { return String(next) }
            } catch {
                throw CodecError.store(error, "cannot claim a recording id", file: store.location.description)
            }
            next += 1
        }
        throw CodecError(.storage, "no free recording id found", file: store.location.description)
    }

    /// Whether recording `id` is committed (its group metadata exists).
    func isCommitted(_ id: String) throws(CodecError) -> Bool {
        do { return try store.exists(recordingKey(id)) } catch { throw CodecError.store(error, "cannot read the archive", file: store.location.description) }
    }

    /// Whether the claim of `id` belongs to an importer that is gone (``ImporterOwner``), or
    /// is missing or unreadable.
    func claimIsStale(_ id: String, staleAfter: Double = leaseSeconds) -> Bool {
        guard let bytes = try? store.get(claimKey(id)), let owner = try? JSONValue(parsing: bytes) else { return true }
        return ImporterOwner.isGone(owner, staleAfter: staleAfter) ?? true
    }

    /// Steps 3 and 4 for the recording written under `id`: the duplicate gate, then the final
    /// create-if-absent of its group metadata. Returns the recording that holds the file when
    /// this import turned out a duplicate (after removing it).
    func commit(id: String, groupMetadata: [UInt8], sha256: String, allowDuplicate: Bool, waitSeconds: Double = 600) throws(CodecError) -> String? {
        if !allowDuplicate, let existing = try gateDuplicates(id: id, sha256: sha256, waitSeconds: waitSeconds) {
            abandon(id: id, sha256: nil)
            return existing
        }
        // A deliberate duplicate still marks the file when no recording does yet.
        if allowDuplicate { _ = try? store.createIfAbsent(markerKey(sha256), Array(id.utf8)) }
        do {
            guard try store.createIfAbsent(recordingKey(id), groupMetadata) else {
                throw CodecError(.storage, "recording \(id) was committed by someone else (its claim was taken over)", file: store.location.description)
            }
            try store.erase(claimKey(id))
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "cannot commit recording \(id)", file: store.location.description)
        }
        return nil
    }

    /// Step 3: nil when this import may commit, else the id of the committed recording that
    /// already holds the file.
    private func gateDuplicates(id: String, sha256: String, waitSeconds: Double) throws(CodecError) -> String? {
        let deadline = Date().addingTimeInterval(waitSeconds)
        let marker = markerKey(sha256)
        do {
            while true {
                if try store.createIfAbsent(marker, Array(id.utf8)) { return nil }
                guard let (bytes, etag) = try store.getWithETag(marker) else { continue }  // removed meanwhile: try again
                let other = String(decoding: bytes, as: UTF8.self)
                if other == id { return nil }
                if try isCommitted(other) { return other }
                if claimIsStale(other) {
                    // A committer writes its recording before it drops its claim: a claim gone
                    // with no recording yet means abandoned, unless the recording appeared since.
                    if try isCommitted(other) { return other }
                    if try store.replace(marker, Array(id.utf8), ifMatch: etag) { return nil }
                    continue
                }
                guard Date() < deadline else {
                    throw CodecError(.storage, "another import of the same file (as recording \(other)) has not finished in \(Int(waitSeconds)) s", file: store.location.description)
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "cannot check the archive for duplicates", file: store.location.description)
        }
    }

    /// Removes an uncommitted recording: its objects, its marker (when it names it) and its claim.
    func abandon(id: String, sha256: String?) {
        try? store.erasePrefix(key(id))
        if let sha256, let bytes = try? store.get(markerKey(sha256)), String(decoding: bytes, as: UTF8.self) == id {
            try? store.erase(markerKey(sha256))
        }
        try? store.erase(claimKey(id))
    }

    /// Removes what killed importers left (claims of gone importers and their objects and
    /// markers), and claims of recordings that were committed; returns how many imports.
    @discardableResult
    func collectGarbage(staleAfter: Double = leaseSeconds) -> Int {
        var removed = 0
        let claims = (try? store.listDirectory(internalPrefix + "/claims")) ?? []
        for id in claims where AudioArchive.isRecordingID(id) {
            if (try? isCommitted(id)) == true {
                try? store.erase(claimKey(id))
            } else if claimIsStale(id, staleAfter: staleAfter) {
                try? store.erasePrefix(key(id))
                try? store.erase(claimKey(id))
                removed += 1
            }
        }
        // Markers that name no committed recording and no live claim.
        for sha in (try? store.listDirectory(internalPrefix + "/sha256")) ?? [] {
            guard let bytes = try? store.get(markerKey(sha)) else { continue }
            let id = String(decoding: bytes, as: UTF8.self)
            if (try? isCommitted(id)) != true && claimIsStale(id, staleAfter: staleAfter) { try? store.erase(markerKey(sha)) }
        }
        return removed
    }
}
