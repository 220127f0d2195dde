#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation

/// An exclusive advisory lock (flock) on a file, shared by all processes that use the same path.
/// The kernel releases it when the process ends, so a killed importer never leaves it held.
enum FileLock {
    static func withExclusiveLock<T>(at path: String, _ body: () throws(CodecError) -> T) throws(CodecError) -> T {
        let fd = try acquire(path)
        defer { release(fd) }
        return try body()
    }

    /// The lock held across the suspensions of `body` (an index rebuild): it belongs to the
    /// process's open file, not to a thread.
    static func withExclusiveLock<T>(at path: String, _ body: () async throws(CodecError) -> T) async throws(CodecError) -> T {
        let fd = try acquire(path)
        defer { release(fd) }
        return try await body()
    }

    /// Opens and locks the lock file; the descriptor to pass to ``release(_:)``.
    private static func acquire(_ path: String) throws(CodecError) -> Int32 {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // O_NOFOLLOW: a link planted at the lock's path is refused, never created through.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw CodecError(.storage, "cannot open the archive lock: \(String(cString: strerror(errno)))", file: path) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw CodecError(.storage, "cannot lock the archive: \(String(cString: strerror(errno)))", file: path)
            }
        }
        return fd
    }

    private static func release(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
