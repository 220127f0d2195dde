#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The fsyncs a ``FilesystemStore`` leaves for later: the files it wrote and the folders whose
/// entries it changed, made durable together by ``syncAll()``.
///
/// For a tree nobody else sees until it is renamed into place (an import's staging folder),
/// durability is needed only before that rename: each file and folder is then fsynced once,
/// however often it was written (a FLAC blob's first shard is stored twice, array metadata up to
/// three times), instead of twice per write. Safe to share between the threads that write.
public final class DeferredSync: Sendable {
    private struct Pending {
        var files: Set<String> = []
        var folders: Set<String> = []
    }

    private let pending = Mutex(Pending())

    /// Nothing to sync yet.
    public init() {}

    /// Remembers that the file at `path` was written (its content must be synced).
    func wrote(file path: String) {
        _ = pending.withLock { $0.files.insert(path) }
    }

    /// Remembers that entries of the folder at `path` were added, renamed or removed.
    func changed(folder path: String) {
        _ = pending.withLock { $0.folders.insert(path) }
    }

    /// fsyncs every file written and every folder changed since the last call: files first, then
    /// folders, deepest first. A file or folder removed since is skipped (its parent's sync makes
    /// the removal durable).
    /// - Throws: ``ZarrError/Code/io`` naming the first path that could not be synced; what was
    ///   not synced stays pending, so a later call tries again.
    public func syncAll() throws(ZarrError) {
        let taken = pending.withLock { state in
            defer { state = Pending() }
            return state
        }
        var files = taken.files.sorted()[...]
        var folders = taken.folders.sorted(by: { $0.count > $1.count })[...]
        do {
            while let file = files.first {
                try FilesystemStore.sync(file, folder: false, skipMissing: true)
                files.removeFirst()
            }
            while let folder = folders.first {
                try FilesystemStore.sync(folder, folder: true, skipMissing: true)
                folders.removeFirst()
            }
        } catch {
            pending.withLock { state in
                state.files.formUnion(files)
                state.folders.formUnion(folders)
            }
            throw error
        }
    }
}
