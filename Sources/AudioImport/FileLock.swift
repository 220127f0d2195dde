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
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // O_NOFOLLOW: a link planted at the lock's path is refused, never created through.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw CodecError(.storage, "cannot open the archive lock: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CodecError(.storage, "cannot lock the archive: \(String(cString: strerror(errno)))", file: path) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
