#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A store on the local file system: each key is a file below `root`, "/" separates folders.
///
/// Writes go to a hidden temporary file in the target folder and are renamed into place, so a
/// reader (or a crash) never sees a half-written value. Writes are durable when `set` returns:
/// the file is fsynced before its rename and the folder after it (and a new folder's parent
/// after its creation), as SQLite and Icechunk do, so that after a power cut a value is either
/// its old self or complete, never empty. A store given a ``DeferredSync`` leaves the fsyncs of
/// folders and small files to it, for a tree that becomes visible only by a later rename (an
/// import's staging folder).
/// Reads use `pread`, so a byte-range read touches only the bytes it asks for.
public struct FilesystemStore: ZarrStorage {
    /// The folder that holds the store; created on the first write.
    public let root: String
    /// Where writes leave their fsyncs, or nil when each write is durable as it returns.
    public let deferredSync: DeferredSync?

    /// A store rooted at `root` (an existing or future folder).
    /// - Parameter deferredSync: when given, new folders, removals and writes of small values
    ///   leave their fsyncs to it instead of making each durable before returning.
    public init(root: String, deferredSync: DeferredSync? = nil) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.deferredSync = deferredSync
    }

    /// Marks temporary files so listings skip them.
    static let temporaryMarker = ".zarrwlr-tmp-"

    private func path(_ key: String) throws(ZarrError) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.hasPrefix("/"), !parts.contains(".."), !parts.contains(".") else {
            throw ZarrError(.invalidArgument, "store keys must be relative and must not contain '.' or '..'", key: key)
        }
        return key.isEmpty ? root : root + "/" + key
    }

    private static func ioError(_ what: String, key: String, errno code: Int32) -> ZarrError {
        ZarrError(.io, "\(what): \(String(cString: strerror(code)))", key: key)
    }

    public func get(_ key: String, range: ByteRange?) throws(ZarrError) -> [UInt8]? {
        guard let file = try OpenFile(try path(key), key: key) else { return nil }
        defer { file.close() }
        let span = (range ?? .from(offset: 0)).resolved(totalLength: try file.size())
        var failure: ZarrError?
        let bytes = [UInt8](unsafeUninitializedCapacity: span.count) { buffer, initialized in
            do throws(ZarrError) {
                initialized = try file.read(at: span.lowerBound, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        guard bytes.count == span.count else {
            throw ZarrError(.io, "file shrank while being read (\(bytes.count) of \(span.count) bytes)", key: key)
        }
        return bytes
    }

    public func read(_ key: String, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ZarrError) -> Bool {
        guard let file = try OpenFile(try path(key), key: key) else { return false }
        defer { file.close() }
        let count = try file.read(at: offset, into: buffer)
        guard count == buffer.count else {
            throw ZarrError(.corruptChunk, "file ends at byte \(offset + count), \(offset + buffer.count) needed", key: key)
        }
        return true
    }

    public func size(of key: String) throws(ZarrError) -> Int? {
        var info = stat()
        if stat(try path(key), &info) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Self.ioError("cannot stat", key: key, errno: errno)
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? nil : Int(info.st_size)
    }

    public func set(_ key: String, _ bytes: [UInt8]) throws(ZarrError) {
        let filePath = try path(key)
        let folder = Self.folder(of: filePath)
        try makeFolders(folder.isEmpty ? "/" : folder, key: key)
        let name = filePath.split(separator: "/").last.map(String.init) ?? key
        let temporary = folder + "/." + name + Self.temporaryMarker + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.ioError("cannot create", key: key, errno: errno) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        let syncNow = deferredSync == nil || bytes.count >= DeferredSync.largeValueBytes
        if failure == 0 && syncNow && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, filePath) != 0 { failure = errno }
        if failure == 0 && !folderChanged(folder.isEmpty ? "/" : folder) { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw Self.ioError("cannot write", key: key, errno: failure)
        }
        if !syncNow { deferredSync?.wrote(file: filePath) }
    }

    /// The folder that holds `path` ("" for a top-level name).
    private static func folder(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }

    /// Makes a change of `folder`'s entries durable now, or leaves it to ``deferredSync``;
    /// false when the fsync failed.
    private func folderChanged(_ folder: String) -> Bool {
        guard let deferredSync else { return Self.syncFolder(folder) }
        deferredSync.changed(folder: folder)
        return true
    }

    /// fsyncs the folder `path` (its entries: files renamed or created in it); false on failure.
    public static func syncFolder(_ path: String) -> Bool {
        do {
            try sync(path, folder: true, skipMissing: false)
            return true
        } catch {
            return false
        }
    }

    /// fsyncs the file or folder at `path`; with `skipMissing`, nothing when it is gone.
    static func sync(_ path: String, folder: Bool, skipMissing: Bool) throws(ZarrError) {
        let fd = open(path, (folder ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if skipMissing && errno == ENOENT { return }
            throw ioError("cannot open to sync", key: path, errno: errno)
        }
        defer { close(fd) }
        // Some file systems (and FUSE mounts) cannot sync a folder: that is not an error there.
        guard fsync(fd) == 0 || (folder && (errno == EINVAL || errno == EROFS)) else {
            throw ioError("cannot sync", key: path, errno: errno)
        }
    }

    private func makeFolders(_ folder: String, key: String) throws(ZarrError) {
        var info = stat()
        if stat(folder, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ZarrError(.io, "'\(folder)' exists and is not a folder", key: key)
            }
            return
        }
        let parent = Self.folder(of: folder)
        if !parent.isEmpty { try makeFolders(parent, key: key) }
        if mkdir(folder, 0o755) != 0 {
            guard errno == EEXIST else { throw Self.ioError("cannot create folder '\(folder)'", key: key, errno: errno) }
        } else if !folderChanged(parent.isEmpty ? "/" : parent) {
            throw Self.ioError("cannot sync folder '\(parent)'", key: key, errno: errno)
        }
    }

    public func erase(_ key: String) throws(ZarrError) {
        let filePath = try path(key)
        if unlink(filePath) != 0 {
            guard errno == ENOENT || errno == ENOTDIR else { throw Self.ioError("cannot delete", key: key, errno: errno) }
            return
        }
        deferredSync?.changed(folder: Self.folder(of: filePath))
    }

    public func erasePrefix(_ prefix: String) throws(ZarrError) {
        let target = try path(prefix)
        var info = stat()
        guard lstat(target, &info) == 0 else { return }
        do {
            try FileManager.default.removeItem(atPath: target)
        } catch {
            throw ZarrError(.io, "cannot delete '\(target)': \(error)", key: prefix)
        }
        deferredSync?.changed(folder: Self.folder(of: target))
    }

    public func listDirectory(_ prefix: String) throws(ZarrError) -> [String] {
        guard let dir = opendir(try path(prefix)) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw Self.ioError("cannot list", key: prefix, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.contains(Self.temporaryMarker) { continue }
            names.append(name)
        }
        return names.sorted()
    }
}

/// An open file descriptor for one read; `nil` from `init` when there is no such file.
private struct OpenFile {
    let fd: Int32
    let key: String

    init?(_ path: String, key: String) throws(ZarrError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        self.key = key
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ZarrError(.io, "cannot open: \(String(cString: strerror(errno)))", key: key)
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            closeDescriptor(fd)
            return nil
        }
    }

    func size() throws(ZarrError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ZarrError(.io, "cannot stat: \(String(cString: strerror(errno)))", key: key) }
        return Int(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ZarrError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ZarrError(.io, "cannot read: \(String(cString: strerror(errno)))", key: key)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func close() {
        closeDescriptor(fd)
    }
}

/// `close(2)`, callable from types that have a `close` method of their own.
private func closeDescriptor(_ fd: Int32) {
    close(fd)
}
