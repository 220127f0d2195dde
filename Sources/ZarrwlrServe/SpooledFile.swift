import CodecCore
import Foundation

/// A file written in full, then unlinked while kept open: its bytes are read back in pieces
/// (a response streams them) and vanish with the last reference, however the response ends (a
/// client that goes away included). Its descriptor is only read, with `pread` (no offset kept),
/// so pieces may be read from any thread.
final class SpooledFile: Sendable {
    private let descriptor: Int32
    /// The file's length in bytes.
    let size: Int

    /// Opens `path` and unlinks it.
    init(taking path: String) throws(CodecError) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        var status = stat()
        let opened = descriptor >= 0 && fstat(descriptor, &status) == 0
        let reason = String(cString: strerror(errno))  // before unlink can change errno
        unlink(path)
        guard opened else {
            if descriptor >= 0 { close(descriptor) }
            throw CodecError(.storage, "cannot read the written file back: \(reason)", file: path)
        }
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws(CodecError) -> [UInt8] {
        let end = min(size, offset + max(0, count))
        let bytes = try SourceFile.bytes(of: descriptor, Int64(offset)..<Int64(max(offset, end)), file: "the audio being sent")
        guard bytes.count == max(0, end - offset) else { throw CodecError(.storage, "the audio being sent ended early") }
        return bytes
    }
}
