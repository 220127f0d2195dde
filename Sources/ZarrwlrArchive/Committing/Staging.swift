#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation
import ZarrStore

/// An import in progress: a self-contained recording group in its own folder under the
/// archive's `.zarrwlr/staging/`, which holds no `zarr.json`, so neither this archive nor
/// zarr-python lists it. A commit renames the folder to the recording's id (one atomic step).
///
/// Its folders and small files are written without an fsync each (``DeferredSync``; shards are
/// synced as they are written): ``makeDurable()`` syncs each once before the commit, outside
/// the archive lock.
///
/// Beside each folder an owner file records the importer's pid, host and start time, so a
/// later import or `verify` can remove the staging of an importer that is gone (killed, or a
/// machine that lost power) without touching one that is still running.
struct Staging {
    let name: String
    let folder: String
    let group: ZarrGroup
    /// The fsyncs the staging folder's writes left for ``makeDurable()``.
    let deferredSync: DeferredSync
    /// Touches the owner file while the import runs, so its age says the importer lives.
    let heartbeat: Heartbeat

    /// Staging of an importer of another boot (another machine sharing the folder, or before a
    /// restart) counts as stale when its owner file was not renewed for this long.
    static let leaseSeconds: Double = 3600
    /// How often a live importer touches its owner file.
    static let renewSeconds: Double = 60
    /// Staging without a readable owner file (or of the earlier layout) counts as stale after this long.
    static let ownerlessStaleSeconds: Double = 3600

    static func create(in committer: LocalCommitter) throws(CodecError) -> Staging {
        let name = UUID().uuidString.lowercased()
        let folder = committer.stagingFolder + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CodecError(.storage, "cannot create a staging folder: \(CodecError.reason(error))", file: folder)
        }
        // Atomic: an owner file is complete or absent, never the empty file a kill between its
        // creation and its write would leave. Written under a name of its folder's (not
        // Foundation's `.dat.nosync...`), so that a kill before the rename leaves nothing
        // ``removeStale(in:legacy:)`` cannot tell as this staging's.
        let owner = folder + ".owner", pending = folder + pendingOwnerSuffix + String(getpid())
        guard writeWhole(pending, ImporterOwner.current.serialized()), rename(pending, owner) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: pending)
            throw CodecError(.storage, "cannot create a staging folder: cannot write its owner file: \(reason)", file: folder)
        }
        do {
            let deferredSync = DeferredSync()
            let group = try ZarrGroup.create(in: FilesystemStore(root: folder, deferredSync: deferredSync))
            let heartbeat = Heartbeat(interval: renewSeconds) {
                utimes(owner, nil) == 0 ? nil : "the owner file is gone: \(String(cString: strerror(errno)))"
            }
            return Staging(name: name, folder: folder, group: group, deferredSync: deferredSync, heartbeat: heartbeat)
        } catch {
            throw CodecError.store(error, "cannot create a staging group", file: folder)
        }
    }

    /// The staging group with its attributes as last written.
    func reopened() throws(ZarrError) -> ZarrGroup {
        try ZarrGroup.open(in: FilesystemStore(root: folder, deferredSync: deferredSync))
    }

    /// Syncs the folders and small files written in the staging folder (each once; shards were
    /// synced as they were written), so that the commit's rename publishes a recording that is
    /// complete after a power cut.
    func makeDurable() throws(CodecError) {
        do {
            try deferredSync.syncAll()
        } catch {
            throw CodecError.store(error, "cannot make the import durable", file: folder)
        }
    }

    /// Removes the staging folder and its owner file.
    func remove() {
        heartbeat.stop()
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: folder + ".owner")
    }

    /// Moves the staging folder to `target` (the committed recording) and makes the move
    /// durable: every file and folder in it was synced (``makeDurable()``; anything left since
    /// is synced here), so fsyncing the archive folder after the rename (and the staging
    /// folder, which lost the entry) leaves the recording complete or absent after a power cut.
    /// False when a sync or the rename failed (nothing moved).
    func commit(to target: String) -> Bool {
        heartbeat.stop()
        guard (try? deferredSync.syncAll()) != nil, rename(folder, target) == 0 else { return false }
        _ = FilesystemStore.syncFolder((target as NSString).deletingLastPathComponent)
        _ = FilesystemStore.syncFolder((folder as NSString).deletingLastPathComponent)
        try? FileManager.default.removeItem(atPath: folder + ".owner")
        return true
    }

    /// Removes the staging folders of importers that are gone; returns how many.
    @discardableResult
    /// - Parameter legacy: whether staging groups of the earlier layout (in the archive folder
    ///   itself) are looked for too: a listing of the whole archive, so `verify` and `gc` do it,
    ///   not every import.
    static func removeStale(in committer: LocalCommitter, legacy: Bool = true) -> Int {
        var removed = 0
        let now = Date().timeIntervalSince1970
        let fileManager = FileManager.default
        let names = (try? fileManager.contentsOfDirectory(atPath: committer.stagingFolder)) ?? []
        for name in names where !name.hasSuffix(".owner") && !name.contains(pendingOwnerSuffix) {
            let folder = committer.stagingFolder + "/" + name
            if isStale(folder: folder, now: now) {
                try? fileManager.removeItem(atPath: folder)
                try? fileManager.removeItem(atPath: folder + ".owner")
                removed += 1
            }
        }
        // Owner files whose folder is gone (a commit or removal interrupted in between), and
        // owner files never renamed into place whose writer is gone.
        for name in names where name.hasSuffix(".owner") && !names.contains(String(name.dropLast(6))) {
            try? fileManager.removeItem(atPath: committer.stagingFolder + "/" + name)
        }
        for name in names {
            guard let range = name.range(of: pendingOwnerSuffix) else { continue }
            // Only a writer that is gone: a live importer renames its pending owner file next.
            let writer = pid_t(name[range.upperBound...])
            let gone = writer.map { kill($0, 0) != 0 && errno == ESRCH }
                ?? ((SourceFile.status(committer.stagingFolder + "/" + name)?.modified).map { now - $0 > ownerlessStaleSeconds } ?? true)
            if gone { try? fileManager.removeItem(atPath: committer.stagingFolder + "/" + name) }
        }
        // The earlier layout kept staging groups in the archive group itself.
        for name in legacy ? (try? fileManager.contentsOfDirectory(atPath: committer.folder)) ?? [] : [] where name.hasPrefix(AudioArchive.legacyStagingPrefix) {
            let folder = committer.folder + "/" + name
            if let modified = SourceFile.status(folder)?.modified, now - modified > ownerlessStaleSeconds {
                try? fileManager.removeItem(atPath: folder)
                removed += 1
            }
        }
        return removed
    }

    /// The suffix of an owner file being written, followed by its writer's pid (renamed to
    /// `.owner` once complete; removed by another importer only when that process is gone).
    static let pendingOwnerSuffix = ".owner.pending-"

    /// Writes `bytes` to a new file at `path`; false when any step fails.
    private static func writeWhole(_ path: String, _ bytes: [UInt8]) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in raw.baseAddress.map { write(fd, $0 + done, raw.count - done) } ?? 0 }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    private static func isStale(folder: String, now: Double) -> Bool {
        if let data = FileManager.default.contents(atPath: folder + ".owner"), let owner = try? JSONValue(parsing: Array(data)),
           let gone = ImporterOwner.isGone(owner, age: (SourceFile.status(folder + ".owner")?.modified).map { now - $0 }, lease: leaseSeconds) {
            return gone
        }
        guard let status = SourceFile.status(folder) else { return true }
        // An empty folder without an owner file: its importer was killed between creating it
        // and writing the owner file (a live importer that lost it here recreates it on its
        // first write, beside its owner file).
        if status.isFolder, ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty { return true }
        return now - status.modified > ownerlessStaleSeconds
    }
}
