import CodecCore
import Foundation
import ObjectStore
import ZarrStore

/// The archive's commit protocol on S3-protocol object storage, built on conditional writes
/// (`If-None-Match: *` is create-if-absent, `If-Match: ETag` compare-and-swap; a 404, 409 or 412
/// on a conditional request is a lost race, or the echo of a retried request whose first answer
/// was lost, which is why every such outcome is resolved by reading back). Under the archive's
/// `.zarrwlr/` prefix, which holds no `zarr.json`, so zarr-python lists nothing in it:
///
/// 1. **Claim an id**: take the next id from the counter `next_id` (compare-and-swap), then
///    create-if-absent `claims/<id>` holding this importer's record (``ImporterOwner``: a random
///    identity, so a claim is known as its own by that alone). The claim is renewed every
///    ``renewSeconds`` (``ClaimLease``), so its age on the server's clock says whether its importer
///    lives; an archive without a counter starts it once past every listed id.
/// 2. **Write** the recording's arrays in place under `<id>/`, its group `zarr.json` held back
///    (``HeldRootStore``): without it nothing lists `<id>` as a recording.
/// 3. **Gate duplicates**: create-if-absent `sha256/<hex>` holding the id; lost, the marker's
///    recording is committed (a duplicate: this import is removed), or still being imported (wait
///    for it), or abandoned (its claim older than the lease: it is condemned, then the marker is
///    taken over by compare-and-swap).
/// 4. **Fence**: renew the claim by compare-and-swap; if that fails the claim was condemned or
///    taken over while this importer was paused, and it commits nothing.
/// 5. **Commit**: create-if-absent `<id>/zarr.json`, the recording becomes visible in one write;
///    a refused write is read back (equal bytes: this commit's own, its answer lost). Then the
///    claim is removed (a failure there is harmless: `gc` removes claims of committed recordings).
///
/// ``abandon(id:sha256:)`` touches nothing of a committed recording, nor of a claim that is not
/// this process's. ``collectGarbage(staleAfter:)`` (run by `aimport gc` and `verify`) condemns a
/// claim older than the lease by compare-and-swap (so that a late renewal or fence of its
/// importer fails), remembers the id as used (`deleted/<id>`: never claimed again), and removes
/// the claim's objects and marker.
struct ObjectCommitter: Sendable {
    let store: S3Store
    /// The archive group's path in the store ("" for the root).
    let path: String

    /// A claim not renewed for this long (by the server's clock) counts as abandoned.
    static let leaseSeconds: Double = 600
    /// How often a live importer renews its claim.
    static let renewSeconds: Double = 60

    private func key(_ name: String) -> String { path.isEmpty ? name : path + "/" + name }
    private var internalPrefix: String { key(AudioArchive.internalFolder) }
    func claimKey(_ id: String) -> String { internalPrefix + "/claims/" + id }
    func markerKey(_ sha256: String) -> String { internalPrefix + "/sha256/" + sha256 }
    func deletedKey(_ id: String) -> String { internalPrefix + "/deleted/" + id }
    func recordingKey(_ id: String) -> String { key(id) + "/zarr.json" }
    private var counterKey: String { internalPrefix + "/next_id" }

    private func failure(_ error: ZarrError, _ what: String) -> CodecError {
        CodecError.store(error, what, file: store.location.description)
    }

    /// Numeric names below `prefix` that can be ids (larger numbers are ignored: no id is that large).
    private func numericNames(_ prefix: String) throws(CodecError) -> [Int] {
        do { return try store.listDirectory(prefix).compactMap { Int($0) }.filter { (0...AudioArchive.maximumID).contains($0) } } catch {
            throw failure(error, "cannot list the archive")
        }
    }

    /// The next id from the counter (compare-and-swap); the counter is started once, past every
    /// id listed, in an archive that has none yet.
    private func takeNextID() throws(CodecError) -> Int {
        do {
            for _ in 0..<1_000 {
                guard let counter = try store.getVersioned(counterKey) else {
                    let first = (try numericNames(path) + numericNames(internalPrefix + "/claims") + numericNames(internalPrefix + "/deleted")).max().map { $0 + 1 } ?? 0
                    if try store.createIfAbsent(counterKey, Array(String(first + 1).utf8)) { return first }
                    continue  // created by another importer meanwhile (or this one, its answer lost): read it
                }
                guard let next = Int(String(decoding: counter.bytes, as: UTF8.self)), (0..<AudioArchive.maximumID).contains(next) else {
                    throw CodecError(.corrupt, "the archive's id counter (\(counterKey)) is damaged; remove it and the next import starts it again past every id", file: store.location.description)
                }
                if try store.replace(counterKey, Array(String(next + 1).utf8), ifMatch: counter.etag) { return next }
            }
        } catch let error as CodecError {
            throw error
        } catch let error as ZarrError {
            throw failure(error, "cannot take a recording id")
        } catch {
            throw CodecError(.storage, "cannot take a recording id: \(error)", file: store.location.description)
        }
        throw CodecError(.storage, "the archive's id counter kept changing under this importer", file: store.location.description)
    }

    /// Claims a free id (step 1) and starts renewing the claim.
    func claimID() throws(CodecError) -> (id: String, lease: ClaimLease) {
        for _ in 0..<1_000 {
            let id = String(try takeNextID())
            do throws(ZarrError) {
                // An id a committed recording has (an archive an older importer wrote to) is skipped.
                if try store.exists(recordingKey(id)) { continue }
                let record = ImporterOwner.current.serialized()
                if try !store.createIfAbsent(claimKey(id), record) {
                    // Another importer holds it, unless this is the echo of our own lost answer.
                    guard let claim = try store.getVersioned(claimKey(id)), let owner = try? JSONValue(parsing: claim.bytes),
                          ImporterOwner.isThisProcess(owner) else { continue }
                }
                guard let claim = try store.getVersioned(claimKey(id)), let owner = try? JSONValue(parsing: claim.bytes),
                      ImporterOwner.isThisProcess(owner) else { continue }
                return (id, ClaimLease(store: store, key: claimKey(id), etag: claim.etag))
            } catch {
                throw failure(error, "cannot claim a recording id")
            }
        }
        throw CodecError(.storage, "no free recording id found", file: store.location.description)
    }

    /// Whether recording `id` is committed (its group metadata exists).
    func isCommitted(_ id: String) throws(CodecError) -> Bool {
        do { return try store.exists(recordingKey(id)) } catch { throw failure(error, "cannot read the archive") }
    }

    /// Whether the claim of `id` is missing, or belongs to an importer that is gone: its record
    /// not renewed for `staleAfter` seconds by the server's clock (``ImporterOwner``). A read
    /// that fails is not taken for staleness: it throws.
    func claimIsStale(_ id: String, staleAfter: Double = leaseSeconds) throws(CodecError) -> Bool {
        let claim: S3Store.VersionedObject?
        do { claim = try store.getVersioned(claimKey(id)) } catch { throw failure(error, "cannot read the claim of id \(id)") }
        guard let claim else { return true }
        guard let owner = try? JSONValue(parsing: claim.bytes), owner["condemned_by"] == nil else { return true }
        return ImporterOwner.isGone(owner, age: claim.ageSeconds, lease: staleAfter) ?? (claim.ageSeconds.map { $0 > staleAfter } ?? false)
    }

    /// Condemns the claim of `id` if it is stale: compare-and-swap to a record that no renewal
    /// or fence of its importer can match. True when it is condemned (or gone) now.
    func condemnIfStale(_ id: String, staleAfter: Double = leaseSeconds) throws(CodecError) -> Bool {
        do {
            guard let claim = try store.getVersioned(claimKey(id)) else { return true }
            let owner = try? JSONValue(parsing: claim.bytes)
            if owner?["condemned_by"] != nil { return true }
            let gone = owner.flatMap { ImporterOwner.isGone($0, age: claim.ageSeconds, lease: staleAfter) } ?? (claim.ageSeconds.map { $0 > staleAfter } ?? false)
            guard gone else { return false }
            let condemned: JSONValue = ["condemned_by": .string(ImporterOwner.identity), "at": .double(Date().timeIntervalSince1970)]
            return try store.replace(claimKey(id), condemned.serialized(), ifMatch: claim.etag)
        } catch {
            throw failure(error, "cannot judge the claim of id \(id)")
        }
    }

    /// Steps 3 to 5 for the recording written under `id`: the duplicate gate, the fence, then
    /// the final create-if-absent of its group metadata. Returns the recording that holds the
    /// file when this import turned out a duplicate (after removing it). Blocking (requests, and
    /// waits for another import of the same file): call it off the cooperative pool.
    func commit(id: String, lease: ClaimLease, groupMetadata: [UInt8], sha256: String, allowDuplicate: Bool, waitSeconds: Double = 600) throws(CodecError) -> String? {
        if !allowDuplicate, let existing = try gateDuplicates(id: id, sha256: sha256, waitSeconds: waitSeconds) {
            abandon(id: id, sha256: nil)
            return existing
        }
        // A deliberate duplicate still marks the file when no recording does yet.
        if allowDuplicate { _ = try? store.createIfAbsent(markerKey(sha256), Array(id.utf8)) }
        if let lost = lease.renew() {
            throw CodecError(.storage, "recording \(id) is not committed: its claim was lost (\(lost)); import the file again", file: store.location.description)
        }
        do {
            if try !store.createIfAbsent(recordingKey(id), groupMetadata) {
                // Our own write whose answer was lost, or someone else's: the bytes tell.
                guard try store.get(recordingKey(id)) == groupMetadata else {
                    throw CodecError(.storage, "recording \(id) was committed by another importer (its claim was taken over)", file: store.location.description)
                }
            }
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "cannot commit recording \(id)", file: store.location.description)
        }
        lease.stop()
        try? store.erase(claimKey(id))  // harmless when it fails: gc removes claims of committed recordings
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
                if try condemnIfStale(other) {
                    // A committer writes its recording before it drops its claim: a claim gone
                    // with no recording yet means abandoned, unless the recording appeared since.
                    if try isCommitted(other) { return other }
                    if try store.replace(marker, Array(id.utf8), ifMatch: etag) { return nil }
                    continue
                }
                guard Date() < deadline else {
                    throw CodecError(.storage, "another import of the same file (as recording \(other)) has not finished in \(Int(waitSeconds)) s", file: store.location.description)
                }
                // On the commit's own thread (see PendingObjects.commit), never the cooperative pool.
                Thread.sleep(forTimeInterval: 0.2)
            }
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "cannot check the archive for duplicates", file: store.location.description)
        }
    }

    /// Removes an uncommitted recording of this process: its objects, its marker (when it names
    /// it) and its claim. Nothing is touched when the recording is committed (by this process,
    /// its answer lost, or by anyone) or when the claim is no longer this process's.
    func abandon(id: String, sha256: String?) {
        guard (try? isCommitted(id)) == false,
              let claim = try? store.getVersioned(claimKey(id)), let owner = try? JSONValue(parsing: claim.bytes),
              ImporterOwner.isThisProcess(owner) else { return }
        try? store.erasePrefix(key(id))
        if let sha256, let bytes = try? store.get(markerKey(sha256)), String(decoding: bytes, as: UTF8.self) == id {
            try? store.erase(markerKey(sha256))
        }
        try? store.erase(claimKey(id))
    }

    /// Removes what importers that are gone left (after condemning their claims: see the type's
    /// documentation), and claims of recordings that were committed; returns how many imports.
    @discardableResult
    func collectGarbage(staleAfter: Double = leaseSeconds) -> Int {
        var removed = 0
        let claims = (try? store.listDirectory(internalPrefix + "/claims")) ?? []
        for id in claims where AudioArchive.isRecordingID(id) {
            if (try? isCommitted(id)) == true {
                try? store.erase(claimKey(id))
            } else if (try? condemnIfStale(id, staleAfter: staleAfter)) == true {
                // The id stays used: a late write of its paused importer lands where nothing reads.
                guard (try? store.set(deletedKey(id), [])) != nil else { continue }
                try? store.erasePrefix(key(id))
                try? store.erase(claimKey(id))
                removed += 1
            }
        }
        // Markers that name no committed recording and no live claim.
        for sha in (try? store.listDirectory(internalPrefix + "/sha256")) ?? [] {
            guard let bytes = try? store.get(markerKey(sha)) else { continue }
            let id = String(decoding: bytes, as: UTF8.self)
            if (try? isCommitted(id)) == false && (try? claimIsStale(id, staleAfter: staleAfter)) == true { try? store.erase(markerKey(sha)) }
        }
        return removed
    }
}

/// An importer's claim on an id, renewed while the import runs (every
/// ``ObjectCommitter/renewSeconds``, on a ``Heartbeat`` thread) by compare-and-swap, so that its age on
/// the server says the importer lives, and a claim condemned by `gc` is noticed at the next
/// renewal or at the fence before the commit.
final class ClaimLease: Sendable {
    private let store: S3Store
    private let key: String
    private let etag: ForkSafeMutex<String>
    private let heartbeat = ForkSafeMutex<Heartbeat?>(nil)

    init(store: S3Store, key: String, etag: String) {
        self.store = store
        self.key = key
        self.etag = ForkSafeMutex(etag)
        let beat = Heartbeat(interval: ObjectCommitter.renewSeconds) { [weak self] in self?.renew() }
        heartbeat.withLock { $0 = beat }
    }

    /// Renews the claim now; nil when it is still this importer's, else why not.
    func renew() -> String? {
        var record = ImporterOwner.current.objectValue ?? [:]
        record["renewed"] = .double(Date().timeIntervalSince1970)
        let previous = etag.withLock { $0 }
        do {
            guard let next = try store.replaceReturningETag(key, JSONValue.object(record).serialized(), ifMatch: previous) else {
                // Lost race, or the echo of our own renewal whose answer was lost: read back.
                guard let claim = try store.getVersioned(key), let owner = try? JSONValue(parsing: claim.bytes),
                      ImporterOwner.isThisProcess(owner), owner["condemned_by"] == nil else {
                    return "the claim was condemned or taken over while this importer was paused"
                }
                etag.withLock { $0 = claim.etag }
                return nil
            }
            etag.withLock { $0 = next.isEmpty ? previous : next }
            return nil
        } catch {
            return "the claim could not be renewed: \(error)"
        }
    }

    /// Ends the renewals.
    func stop() {
        heartbeat.withLock { $0?.stop() }
    }

    deinit { heartbeat.withLock { $0?.stop() } }
}
