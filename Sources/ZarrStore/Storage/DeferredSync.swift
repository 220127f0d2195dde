#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fsyncs a ``FilesystemStore`` leaves for later: the files it wrote and the folders whose
/// entries it changed, made durable together by ``syncAll()``.
///
/// For a tree nobody else sees until it is renamed into place (an import's staging folder),
/// durability is needed only before that rename: each small file and each folder is then
/// fsynced once, however often it was written (array metadata up to three times), instead of
/// twice per write. A value of ``largeValueBytes`` or more (a blob's shard) is still fsynced
/// when written, on the thread that writes it (an upload thread, while the encoding goes on),
/// so that its data does not wait to be written out at the end. Safe to share between the
/// threads that write.
public final class DeferredSync: Sendable {
    /// Values at least this long are synced when written.
    public static let largeValueBytes = 1 << 20

    private struct Pending {
        var files: Set<String> = []
        var folders: Set<String> = []
    }

    private let pending = ForkSafeMutex(Pending())

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
