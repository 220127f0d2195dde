#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading an input file as bytes, streamed: its status, first bytes, and pieces for a 1:1
/// copy (its SHA-256 is in the AudioInput module). Never holds more than one piece in memory.
public enum SourceFile {
    /// Calls `body` with consecutive pieces of the file (up to `pieceBytes` each), in order.
    public static func forEachPiece(
        _ path: String, pieceBytes: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws(CodecError) -> Void
    ) throws(CodecError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: pieceBytes)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, pieceBytes) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CodecError(.storage, "cannot read: \(String(cString: strerror(errno)))", file: path)
            }
            if n == 0 { return }
            var failure: CodecError?
            buffer.withUnsafeBytes { raw in
                do throws(CodecError) { try body(UnsafeRawBufferPointer(rebasing: raw[0..<n])) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Up to `count` bytes from the start of the file.
    public static func firstBytes(_ path: String, count: Int = 64) throws(CodecError) -> [UInt8] {
        try bytes(path, 0..<Int64(max(0, count)))
    }

    /// The bytes of `range` of the file; fewer when the file ends first.
    public static func bytes(_ path: String, _ range: Range<Int64>) throws(CodecError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        return try bytes(of: fd, range, file: path)
    }

    /// The bytes of `range` of the open file `fd` (read with `pread`, which keeps no offset, so
    /// from any thread); fewer when the file ends first. `file` names it in errors.
    public static func bytes(of fd: Int32, _ range: Range<Int64>, file: String?) throws(CodecError) -> [UInt8] {
        guard range.lowerBound >= 0 else { throw CodecError(.invalidArgument, "bad byte range \(range)", file: file) }
        var buffer = [UInt8](repeating: 0, count: Int(range.count))
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress.map { pread(fd, $0 + filled, raw.count - filled, off_t(range.lowerBound) + off_t(filled)) } ?? 0
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CodecError(.storage, "cannot read: \(String(cString: strerror(errno)))", file: file) }
            if n == 0 { break }
            filled += n
        }
        return Array(buffer.prefix(filled))
    }

    /// What stat(2) says of the file a path names, following symbolic links (a link's own size
    /// and time are not the recording's).
    public struct Status: Sendable {
        public let size: Int64
        /// Seconds since 1970 (UTC) of the last modification.
        public let modified: Double
        public let isFolder: Bool
        /// What the path names when it is neither a regular file nor a folder ("a named pipe",
        /// "a socket", "a character device", "a block device"); nil for those two.
        public let special: String?
        /// Device and inode: the same file or folder reached by two paths has the same identity.
        public let identity: [UInt64]

        /// Whether this is the same file, unmodified, as `earlier`: same identity, size and
        /// modification time.
        public func isUnchanged(since earlier: Status) -> Bool {
            identity == earlier.identity && size == earlier.size && modified == earlier.modified
        }
    }

    /// The status of the file `path` names (links followed); nil when it does not exist.
    public static func status(_ path: String) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Status(
            size: Int64(info.st_size), modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
            isFolder: info.st_mode & S_IFMT == S_IFDIR, special: special(info.st_mode), identity: [UInt64(info.st_dev), UInt64(info.st_ino)])
    }

    private static func special(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG, S_IFDIR: nil
        case S_IFIFO: "a named pipe"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "not a regular file"
        }
    }

    /// The status of a source, refusing one that is a pipe, socket or device: an import reads its
    /// source more than once (its SHA-256, then its audio), opening a pipe waits for a writer,
    /// and a device may never end. Nil for a missing path, left to the first read, which names it.
    /// - Throws: ``CodecError/Code/noInput`` naming the file and what it is;
    ///   ``CodecError/Code/invalidArgument`` for a folder (a caller walks folders before).
    public static func regularFileStatus(_ path: String) throws(CodecError) -> Status? {
        let found = status(path)
        if found?.isFolder == true {
            throw CodecError(.invalidArgument, "a folder, not a file: give the audio files in it (`aimport import` walks folders)", file: path)
        }
        guard let special = found?.special else { return found }
        throw CodecError(.noInput, "\(special), not a file: an import reads its source more than once, so write it to a file first", file: path)
    }
}
