#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// Raw bytes to standard output or a file, with write(2) and its errors told apart: a reader
/// that closed the pipe (`| head`) ends the output quietly; a full disk (ENOSPC, /dev/full) or
/// any other write error is a ``CodecError/Code/storage`` error with the system's reason.
public final class ByteOutput {
    /// The reader of standard output went away: stop writing, exit quietly.
    public struct PipeClosed: Error {}

    private let fd: Int32
    private let path: String
    private let ownsDescriptor: Bool

    /// Standard output, with SIGPIPE ignored so that a closed pipe is an EPIPE error, not a signal.
    public static func standardOutput() -> ByteOutput {
        signal(SIGPIPE, SIG_IGN)
        return ByteOutput(fd: STDOUT_FILENO, path: "standard output", owns: false)
    }

    /// Creates (or truncates) the file `path`.
    /// - Throws: ``CodecError/Code/cannotCreate`` with the system's reason.
    public static func file(_ path: String) throws(CodecError) -> ByteOutput {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CodecError(.cannotCreate, "cannot create the output file: \(String(cString: strerror(errno)))", file: path) }
        return ByteOutput(fd: fd, path: path, owns: true)
    }

    private init(fd: Int32, path: String, owns: Bool) {
        self.fd = fd
        self.path = path
        ownsDescriptor = owns
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Writes all of `bytes`.
    /// - Throws: ``PipeClosed`` for EPIPE, ``CodecError`` for any other failure.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw PipeClosed() }
                throw CodecError(.storage, "cannot write the output: \(String(cString: strerror(errno)))", file: path)
            }
            done += n
        }
    }

    /// Writes all of `bytes` to a file (a closed pipe is a ``CodecError/Code/storage`` error too).
    public func writeFile(_ bytes: UnsafeRawBufferPointer) throws(CodecError) {
        do {
            try write(bytes)
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError(.storage, "cannot write the output: the reader closed it", file: path)
        }
    }

    /// Leaves the next `count` bytes of a file output as zeros without writing them (a hole,
    /// which takes no disk blocks where the file system allows); the file ends after them until
    /// more is written.
    /// - Throws: ``CodecError/Code/storage`` with the system's reason (standard output cannot skip).
    public func skipZeros(_ count: Int64) throws(CodecError) {
        guard count > 0 else { return }
        let end = ownsDescriptor ? lseek(fd, off_t(count), SEEK_CUR) : -1
        guard end >= 0, ftruncate(fd, end) == 0 else {
            throw CodecError(.storage, "cannot extend the output: \(ownsDescriptor ? String(cString: strerror(errno)) : "not a file")", file: path)
        }
    }

    /// Closes a file output, reporting a failure the kernel kept for the last writes.
    public func finish() throws(CodecError) {
        guard ownsDescriptor else { return }
        if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
            throw CodecError(.storage, "cannot write the output: \(String(cString: strerror(errno)))", file: path)
        }
    }
}
