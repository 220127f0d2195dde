#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CSndfile
import CodecCore

/// A RIFF WAVE file whose header does not state its audio: never finalised (its data chunk
/// declares 0 bytes although audio follows it to the end of the file, as a recorder leaves a
/// file when it loses power or a writer is killed before it seeks back to fill in the sizes; in
/// an RF64 file, the data size of its ds64 chunk is 0), or holding more than a WAV's 32-bit
/// sizes can state (past 4 GiB a writer that does not switch to RF64 leaves the size wrapped
/// around 2^32 or clamped at 2^32 - 1). libsndfile reads what the header states: nothing, or a
/// fraction of the audio (ffmpeg reads a WAV's audio, not an RF64's); imported so, the recording
/// would be lost once the card is wiped. ``open(_:info:)`` lets libsndfile read the file through
/// a view whose data size is what the file holds, presented as an RF64 file when that size needs
/// 64 bits (the file itself is never changed; its bytes, header included, are what the import
/// hashes and keeps for byte-exact export).
public final class UnfinalisedWAV {
    /// What a header states and what the file holds, and how the view mends it.
    public struct Repair: Sendable {
        /// The bytes of audio that follow the data chunk's header.
        public let audioBytes: Int64
        /// The bytes of audio the header states (0: never finalised).
        public let statedBytes: Int64
        /// Where the data size field lies in the file (4 bytes in a WAV, 8 in an RF64's ds64 chunk).
        let sizeField: Int64
        let fieldBytes: Int
        /// The view is an RF64 file (a ds64 chunk before the WAV's own chunks), for a WAV whose
        /// audio its 32-bit size cannot state.
        let asRF64: Bool
    }

    /// A ds64 chunk (EBU Tech 3306: header, RIFF size, data size, sample count, table length).
    private static let ds64Bytes: Int64 = 8 + 28

    /// What the view reads: the synthetic start `prefix` (an RF64 header and ds64 chunk, in place
    /// of the file's first 12 bytes), then the file's bytes `shift` later than in the file, with
    /// the data size field (at `sizeField` in the view) replaced by `sizeBytes`.
    private let prefix: [UInt8]
    private let shift: Int64
    private let sizeField: Int64
    private let sizeBytes: [UInt8]
    private let fd: Int32
    private let length: Int64
    private var position: Int64 = 0

    /// How the header of `path` is mended, when it states no audio or less than the file holds
    /// past 4 GiB; nil for every other file (most of them).
    public static func detect(_ path: String) -> Repair? {
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
                let start = offset + 8, after = length - start
                if head[0..<4].elementsEqual("RF64".utf8) {
                    guard after > 0, !startsWithChunk(path, at: start, length: length),
                          size == 0xFFFF_FFFF, let ds64DataSize, ds64DataSize.value == 0 else { return nil }
                    return Repair(audioBytes: after, statedBytes: 0, sizeField: ds64DataSize.field, fieldBytes: 8, asRF64: false)
                }
                if size == 0 {
                    guard after > 0, !startsWithChunk(path, at: start, length: length) else { return nil }
                    return Repair(audioBytes: after, statedBytes: 0, sizeField: offset + 4, fieldBytes: 4, asRF64: after > Int64(UInt32.max - 1))
                }
                guard after > Int64(UInt32.max), let audio = audioPast32Bits(path, start: start, stated: size, length: length) else { return nil }
                return Repair(audioBytes: audio, statedBytes: size, sizeField: offset + 4, fieldBytes: 4, asRF64: true)
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// The bytes of audio of a WAV whose data chunk, at `start`, states `stated` bytes where more
    /// than 2^32 follow: clamped (2^32 - 1 stated: the audio runs to the end of the file) or
    /// wrapped (stated + k x 2^32 bytes, the largest k whose end is the file's or a chunk's start);
    /// nil when a chunk starts where the header says the audio ends (the size is right).
    private static func audioPast32Bits(_ path: String, start: Int64, stated: Int64, length: Int64) -> Int64? {
        let after = length - start
        if stated == 0xFFFF_FFFF { return after }
        guard !startsWithChunk(path, at: start + stated + (stated & 1), length: length) else { return nil }
        var candidate = stated + (after - stated) / (1 << 32) * (1 << 32)
        while candidate > stated {
            if candidate == after || startsWithChunk(path, at: start + candidate + (candidate & 1), length: length) { return candidate }
            candidate -= 1 << 32
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

    private init?(_ path: String, _ repair: Repair) {
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, let fileLength = SourceFile.status(path)?.size else { return nil }
        if repair.asRF64 {
            // "RF64", -1, "WAVE", then ds64 (RIFF size, data size, sample count 0, no table),
            // then the file's chunks from byte 12 on, its data size -1 (the ds64 chunk's holds).
            func le(_ value: Int64, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
            length = fileLength + Self.ds64Bytes
            prefix = Array("RF64".utf8) + le(0xFFFF_FFFF, 4) + Array("WAVE".utf8) + Array("ds64".utf8) + le(28, 4)
                + le(length - 8, 8) + le(repair.audioBytes, 8) + le(0, 8) + le(0, 4)
            shift = Self.ds64Bytes
            sizeBytes = le(0xFFFF_FFFF, 4)
        } else {
            length = fileLength
            (prefix, shift) = ([], 0)
            sizeBytes = (0..<repair.fieldBytes).map { UInt8(truncatingIfNeeded: repair.audioBytes >> (8 * $0)) }
        }
        sizeField = repair.sizeField + shift
    }

    deinit {
        close(fd)
    }

    /// Opens `path` with libsndfile: directly, or through the view when its header was never
    /// finalised. The view must live as long as the handle (the reader keeps it).
    static func open(_ path: String, info: inout SF_INFO) -> (handle: OpaquePointer?, view: UnfinalisedWAV?) {
        guard let repair = detect(path), let view = UnfinalisedWAV(path, repair) else {
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

    /// The view's bytes at the position: the synthetic start, then the file's, with the data size
    /// field as it should have been.
    private func read(_ buffer: UnsafeMutableRawPointer?, _ count: sf_count_t) -> sf_count_t {
        guard let buffer, count > 0 else { return 0 }
        var got: Int = 0
        while got < Int(count), position + Int64(got) < Int64(prefix.count) {
            buffer.storeBytes(of: prefix[Int(position) + got], toByteOffset: got, as: UInt8.self)
            got += 1
        }
        while got < Int(count) {
            let n = pread(fd, buffer + got, Int(count) - got, off_t(position + Int64(got) - shift))
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
