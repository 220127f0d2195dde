#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CSndfile
import CodecCore

/// A RIFF WAVE file whose header was never finalised: its data chunk declares 0 bytes although
/// audio follows it to the end of the file, as a recorder leaves a file when it loses power or
/// a writer is killed before it seeks back to fill in the sizes (in an RF64 file, the data size
/// of its ds64 chunk is 0). libsndfile reads such a file as empty (ffmpeg reads a WAV's audio,
/// not an RF64's); imported as empty, the recording would be lost once the card is wiped. ``open(_:info:)`` lets libsndfile read the file through a view whose
/// data size is what the file holds (the file itself is never changed; its bytes, header
/// included, are what the import hashes and keeps for byte-exact export).
public final class UnfinalisedWAV {
    /// Where the data size field lies (4 bytes in a WAV, 8 in an RF64's ds64 chunk), and the
    /// bytes, little-endian, of the size it should have said.
    private let sizeField: Int64
    private let sizeBytes: [UInt8]
    private let fd: Int32
    private let length: Int64
    private var position: Int64 = 0

    /// Where the data size field of `path` lies, how many bytes it has (4 or 8) and the bytes of
    /// audio that follow the data chunk's header, when it is such a file; nil for every other
    /// file (most of them).
    public static func detect(_ path: String) -> (sizeField: Int64, fieldBytes: Int, audioBytes: Int64)? {
        guard let length = SourceFile.status(path)?.size,
              let head = try? SourceFile.bytes(path, 0..<12), head.count == 12,
              head[0..<4].elementsEqual("RIFF".utf8) || head[0..<4].elementsEqual("RF64".utf8), head[8..<12].elementsEqual("WAVE".utf8)
        else { return nil }
        func littleEndian(_ bytes: ArraySlice<UInt8>) -> Int64 { bytes.reversed().reduce(0) { $0 << 8 | Int64($1) } }
        var offset: Int64 = 12
        var ds64DataSize: (field: Int64, value: Int64)?
        for _ in 0..<4096 where offset <= length - 8 {
            guard let chunk = try? SourceFile.bytes(path, offset..<offset + 8), chunk.count == 8 else { return nil }
            let size = littleEndian(chunk[4..<8])
            if chunk[0..<4].elementsEqual("ds64".utf8) {
                // RF64 (EBU Tech 3306): RIFF size, then the data size, as 64-bit values.
                guard let sizes = try? SourceFile.bytes(path, offset + 8..<offset + 24), sizes.count == 16 else { return nil }
                ds64DataSize = (offset + 16, littleEndian(sizes[8..<16]))
            }
            if chunk[0..<4].elementsEqual("data".utf8) {
                let after = length - (offset + 8)
                guard after > 0, !startsWithChunk(path, at: offset + 8, length: length) else { return nil }
                if head[0..<4].elementsEqual("RF64".utf8) {
                    guard size == 0xFFFF_FFFF, let ds64DataSize, ds64DataSize.value == 0 else { return nil }
                    return (ds64DataSize.field, 8, after)
                }
                guard size == 0 else { return nil }
                return (offset + 4, 4, min(after, Int64(UInt32.max - 1)))
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// Whether a chunk header (four printable ASCII bytes and a size within the file) starts at
    /// `offset`: a data chunk that is really empty, followed by another chunk, is not patched.
    private static func startsWithChunk(_ path: String, at offset: Int64, length: Int64) -> Bool {
        guard let bytes = try? SourceFile.bytes(path, offset..<offset + 8), bytes.count == 8 else { return false }
        let size = Int64(bytes[4]) | Int64(bytes[5]) << 8 | Int64(bytes[6]) << 16 | Int64(bytes[7]) << 24
        return bytes[0..<4].allSatisfy { (0x20...0x7E).contains($0) } && offset + 8 + size <= length
    }

    private init?(_ path: String, sizeField: Int64, fieldBytes: Int, audioBytes: Int64) {
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, let length = SourceFile.status(path)?.size else { return nil }
        (self.sizeField, self.length) = (sizeField, length)
        sizeBytes = (0..<fieldBytes).map { UInt8(truncatingIfNeeded: audioBytes >> (8 * $0)) }
    }

    deinit {
        close(fd)
    }

    /// Opens `path` with libsndfile: directly, or through the view when its header was never
    /// finalised. The view must live as long as the handle (the reader keeps it).
    static func open(_ path: String, info: inout SF_INFO) -> (handle: OpaquePointer?, view: UnfinalisedWAV?) {
        guard let (field, fieldBytes, audioBytes) = detect(path), let view = UnfinalisedWAV(path, sizeField: field, fieldBytes: fieldBytes, audioBytes: audioBytes) else {
            return (sf_open(path, Int32(SFM_READ), &info), nil)
        }
        var io = SF_VIRTUAL_IO(
            get_filelen: { UnfinalisedWAV.from($0).length },
            seek: { offset, whence, user in UnfinalisedWAV.from(user).seek(offset, whence) },
            read: { buffer, count, user in UnfinalisedWAV.from(user).read(buffer, count) },
            write: { _, _, _ in 0 },
            tell: { UnfinalisedWAV.from($0).position })
        // Safe: libsndfile calls back only while the handle is open, and the reader keeps the view
        // alive until after sf_close; the view is used by that one handle on one thread at a time.
        return (sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(view).toOpaque()), view)
    }

    private static func from(_ user: UnsafeMutableRawPointer?) -> UnfinalisedWAV {
        // Safe: `user` is always the view passed to sf_open_virtual above, alive while it is called.
        Unmanaged<UnfinalisedWAV>.fromOpaque(UnsafeRawPointer(user.unsafelyUnwrapped)).takeUnretainedValue()
    }

    private func seek(_ offset: sf_count_t, _ whence: Int32) -> sf_count_t {
        let base: Int64 = whence == SEEK_CUR ? position : whence == SEEK_END ? length : 0
        let (target, overflow) = base.addingReportingOverflow(Int64(offset))
        guard !overflow, target >= 0 else { return -1 }
        position = target
        return position
    }

    /// The file's bytes at the position, with the data size field as it should have been.
    private func read(_ buffer: UnsafeMutableRawPointer?, _ count: sf_count_t) -> sf_count_t {
        guard let buffer, count > 0 else { return 0 }
        var got: Int = 0
        while got < Int(count) {
            let n = pread(fd, buffer + got, Int(count) - got, off_t(position) + off_t(got))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            got += n
        }
        for (k, byte) in sizeBytes.enumerated() where (position..<position + Int64(got)).contains(sizeField + Int64(k)) {
            buffer.storeBytes(of: byte, toByteOffset: Int(sizeField + Int64(k) - position), as: UInt8.self)
        }
        position += Int64(got)
        return sf_count_t(got)
    }
}
