#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The top-level chunks of a RIFF/RF64 WAV file, read header by header (the audio data is
/// skipped, never read). Non-WAV files have no chunks.
///
/// ``init(foreignMetadataOf:)`` reads the same chunks from a FLAC file made with `flac
/// --keep-foreign-metadata`, which keeps each chunk of the WAV it encoded (all but the audio) in
/// an APPLICATION metadata block with the id "riff" (libFLAC's foreign metadata format), and
/// ``init(wavPackWrapperOf:)`` from a WavPack file, which keeps the WAV's bytes before the audio
/// and after it (its RIFF header and trailer) in metadata sub-blocks of its first and last blocks.
struct RIFFChunks {
    struct Chunk {
        let id: String
        let offset: Int64  // of the payload
        let size: Int64
    }

    let chunks: [Chunk]
    private let path: String

    /// Chunk payloads larger than this are not read for metadata.
    static let maximumMetadataBytes: Int64 = 1 << 20

    /// The chunks of the file at `path`: a WAV file's own, or those a FLAC file keeps as foreign metadata.
    static func ofAudioFile(_ path: String) -> RIFFChunks {
        let wav = RIFFChunks(path: path)
        guard wav.chunks.isEmpty else { return wav }
        let flac = RIFFChunks(foreignMetadataOf: path)
        return flac.chunks.isEmpty ? RIFFChunks(wavPackWrapperOf: path) : flac
    }

    /// The RIFF chunks a WavPack file keeps (WavPack 5 file format: the RIFF header, up to the data
    /// chunk's header, in an ID_RIFF_HEADER sub-block of the first block; the chunks after the
    /// audio in an ID_RIFF_TRAILER sub-block of the block that ends the file).
    init(wavPackWrapperOf path: String) {
        self.path = path
        var found: [Chunk] = []
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        if fd >= 0, let header = Self.wavPackSubBlock(0x21, fd: fd, blockAt: 0),
           [Array("RIFF".utf8), Array("RF64".utf8)].contains(Self.bytes(of: fd, count: 4, at: header.lowerBound)) {
            found = Self.chunks(of: fd, in: (header.lowerBound + 12)..<header.upperBound)
            if let last = Self.lastWavPackBlock(fd: fd), let trailer = Self.wavPackSubBlock(0x22, fd: fd, blockAt: last) {
                found += Self.chunks(of: fd, in: trailer)
            }
        }
        chunks = found
    }

    /// The chunks whose headers lie in `region` of the file, each payload cut at the region's end
    /// (a data chunk whose audio is kept elsewhere has none).
    private static func chunks(of fd: Int32, in region: Range<Int64>) -> [Chunk] {
        var found: [Chunk] = []
        var offset = region.lowerBound
        while offset + 8 <= region.upperBound, found.count < 10_000 {
            let header = bytes(of: fd, count: 8, at: offset)
            guard header.count == 8 else { break }
            let size = littleEndian(header[4..<8])
            found.append(Chunk(id: String(decoding: header[0..<4], as: UTF8.self), offset: offset + 8, size: min(size, region.upperBound - offset - 8)))
            offset += 8 + size + (size & 1)  // at most 2^32 + 9 past a region inside the file
        }
        return found
    }

    /// Where the data of the first metadata sub-block with id `id` (its low six bits) lies in
    /// the WavPack block at `blockAt`; nil when the block or the sub-block is not there.
    private static func wavPackSubBlock(_ id: UInt8, fd: Int32, blockAt: Int64) -> Range<Int64>? {
        let header = bytes(of: fd, count: 32, at: blockAt)
        guard header.count == 32, header.starts(with: Array("wvpk".utf8)) else { return nil }
        let end = blockAt + 8 + littleEndian(header[4..<8])
        var offset = blockAt + 32
        // Sub-blocks: an id byte (0x80: a 3-byte size follows, else 1 byte; 0x40: the data is one
        // byte shorter than its words), the size in 16-bit words, the data.
        while offset + 2 <= end {
            let head = bytes(of: fd, count: 4, at: offset)
            guard head.count >= 2 else { return nil }
            let isLarge = head[0] & 0x80 != 0
            guard !isLarge || head.count == 4 else { return nil }
            let words = isLarge ? littleEndian(head[1..<4]) : Int64(head[1])
            let data = offset + (isLarge ? 4 : 2)
            let length = words * 2 - (head[0] & 0x40 != 0 && words > 0 ? 1 : 0)
            guard data + words * 2 <= end else { return nil }
            if head[0] & 0x3F == id { return data..<(data + length) }
            offset = data + words * 2
        }
        return nil
    }

    /// Where the WavPack block that ends the file begins (the file's last megabyte searched), or nil.
    private static func lastWavPackBlock(fd: Int32) -> Int64? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int64(info.st_size)
        let start = max(0, size - (1 << 20))
        let tail = bytes(of: fd, count: Int(size - start), at: start)
        guard tail.count >= 32 else { return nil }
        var k = tail.count - 32
        while k >= 0 {
            if tail[k] == 0x77, tail[k + 1] == 0x76, tail[k + 2] == 0x70, tail[k + 3] == 0x6B,
               start + Int64(k) + 8 + littleEndian(tail[(k + 4)..<(k + 8)]) == size {
                return start + Int64(k)
            }
            k -= 1
        }
        return nil
    }

    /// The RIFF chunks a FLAC file keeps in APPLICATION "riff" blocks: the first block holds the
    /// RIFF/RF64 header, each later one a chunk (id, size, payload; the data chunk only its header).
    init(foreignMetadataOf path: String) {
        self.path = path
        var found: [Chunk] = []
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        func read(_ count: Int, at offset: Int64) -> [UInt8] { Self.bytes(of: fd, count: count, at: offset) }
        guard fd >= 0, read(4, at: 0) == Array("fLaC".utf8) else {
            chunks = []
            return
        }
        var offset: Int64 = 4
        var sawHeader = false
        // RFC 9639 §8: a 4-byte header per block (last-block flag, type, 24-bit length).
        for _ in 0..<100_000 {
            let header = read(4, at: offset)
            guard header.count == 4 else { break }
            let isLast = header[0] & 0x80 != 0
            let type = header[0] & 0x7F
            let length = Int64(header[1]) << 16 | Int64(header[2]) << 8 | Int64(header[3])
            let body = offset + 4
            if type == 2, length >= 12, read(4, at: body) == Array("riff".utf8) {
                let chunkHeader = read(8, at: body + 4)
                let id = String(decoding: chunkHeader.prefix(4), as: UTF8.self)
                if !sawHeader {
                    sawHeader = id == "RIFF" || id == "RF64"
                } else if chunkHeader.count == 8 {
                    let declared = Self.littleEndian(chunkHeader[4..<8])
                    // Only the bytes inside the block are there (the data chunk keeps none).
                    found.append(Chunk(id: id, offset: body + 12, size: min(declared, length - 12)))
                }
            }
            offset = body + length
            if isLast || type == 127 { break }
        }
        chunks = found
    }

    init(path: String) {
        self.path = path
        var found: [Chunk] = []
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        func read(_ count: Int, at offset: Int64) -> [UInt8] { Self.bytes(of: fd, count: count, at: offset) }
        let header = fd >= 0 ? read(12, at: 0) : []
        let isRIFF = header.starts(with: Array("RIFF".utf8)) || header.starts(with: Array("RF64".utf8))
        if isRIFF, Array(header[8..<12]) == Array("WAVE".utf8) {
            var offset: Int64 = 12
            var rf64DataSize: Int64?
            while found.count < 10_000 {
                let chunkHeader = read(8, at: offset)
                guard chunkHeader.count == 8 else { break }
                let id = String(decoding: chunkHeader[0..<4], as: UTF8.self)
                var size = Self.littleEndian(chunkHeader[4..<8])
                if id == "ds64" {
                    // RF64: the 64-bit sizes; the data size follows the RIFF size.
                    let ds64 = read(16, at: offset + 8)
                    // A size beyond Int64 is damage: the data size stays unknown.
                    if ds64.count == 16 { rf64DataSize = Int64(exactly: ds64[8..<16].reversed().reduce(0) { $0 << 8 | UInt64($1) }) }
                }
                if id == "data", size == 0xFFFF_FFFF, let rf64DataSize { size = rf64DataSize }
                found.append(Chunk(id: id, offset: offset + 8, size: size))
                // Chunks are word-aligned; a size that runs past any file ends the walk.
                let (padded, overflowA) = size.addingReportingOverflow(size & 1)
                let (payload, overflowB) = offset.addingReportingOverflow(8)
                let (next, overflowC) = payload.addingReportingOverflow(padded)
                guard !overflowA, !overflowB, !overflowC else { break }
                offset = next
            }
        }
        chunks = found
    }

    /// Where the data chunk's payload lies in the WAV these chunks describe, counted from their
    /// sizes: the 12-byte RIFF header, each chunk before the data chunk with its header and pad
    /// byte, then the data chunk's header. For a FLAC file's foreign metadata this is where it lay in
    /// the WAV that was encoded; nil without a data chunk or for sizes past any file.
    var dataOffsetInWAV: Int64? {
        var offset: Int64 = 12
        for chunk in chunks {
            if chunk.id == "data" { return offset + 8 }
            guard chunk.size >= 0, chunk.size < 1 << 40 else { return nil }
            offset += 8 + chunk.size + (chunk.size & 1)
        }
        return nil
    }

    /// The unsigned little-endian number in `bytes` (a RIFF field of 2 or 4 bytes; at most 7).
    static func littleEndian(_ bytes: ArraySlice<UInt8>) -> Int64 {
        bytes.reversed().reduce(0) { $0 << 8 | Int64($1) }
    }

    /// Exactly `count` bytes of the open file `fd` at `offset`; empty when fewer are there.
    private static func bytes(of fd: Int32, count: Int, at offset: Int64) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n == count ? buffer : []
    }

    /// The payload of the first chunk `id` (capped), or nil.
    func payload(_ id: String) -> [UInt8]? {
        guard let chunk = chunks.first(where: { $0.id == id }), chunk.size <= Self.maximumMetadataBytes else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: Int(chunk.size))
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(chunk.size), off_t(chunk.offset)) }
        return n >= 0 ? Array(buffer.prefix(n)) : nil
    }

    /// The LIST/INFO entries (e.g. "ICMT", "IART"), NUL padding removed.
    func infoEntries() -> [String: String] {
        guard let list = payload("LIST"), list.starts(with: Array("INFO".utf8)) else { return [:] }
        var entries: [String: String] = [:]
        var position = 4
        while position + 8 <= list.count {
            let id = String(decoding: list[position..<position + 4], as: UTF8.self)
            let size = Int(Self.littleEndian(list[position + 4..<position + 8]))
            let end = min(list.count, position + 8 + size)
            entries[id] = String(decoding: list[(position + 8)..<end].prefix { $0 != 0 }, as: UTF8.self)
            position = end + (size & 1)
        }
        return entries
    }
}
