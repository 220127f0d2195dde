import CodecCore
import Foundation

/// A file written in full, then unlinked while kept open: its bytes are read back in pieces
/// (a response streams them) and vanish with the last reference, however the response ends (a
/// client that goes away included). Its descriptor is never written and only read with
/// `pread`, which keeps no offset, so pieces may be read from any thread.
final class SpooledFile: Sendable {
    private let descriptor: Int32
    /// The file's length in bytes.
    let size: Int

    /// Opens `path` and unlinks it.
    init(taking path: String) throws(CodecError) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        unlink(path)
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw CodecError(.storage, "cannot read the written file back: \(reason)", file: path)
        }
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws(CodecError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(0, min(count, size - offset)))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(descriptor, base + filled, buffer.count - filled, off_t(offset + filled))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw CodecError(.storage, "cannot read the written file back: \(got == 0 ? "it ended early" : String(cString: strerror(errno)))") }
            filled += got
        }
        return bytes
    }
}
