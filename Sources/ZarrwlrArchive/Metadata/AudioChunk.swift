import CodecCore

/// Where a PCM container's samples begin and how many bytes of them its header states: the data
/// chunk of a WAV (RIFF, RF64) or Sony Wave64 file, or the SSND chunk of an AIFF/AIFC file, found
/// by walking the chunk headers (the audio is never read). The original container is kept from
/// it, and a file cut off before the stated end is told from it.
struct AudioChunk {
    /// The byte where the first sample lies.
    let offset: Int64
    /// The audio bytes the header states (may be more than the file holds).
    let statedBytes: Int64
    /// AIFF's samples are big-endian; WAV's and Wave64's little-endian (8-bit ones unsigned).
    let bigEndian: Bool

    /// The audio chunk of the file at `path`; nil for other files or a header that does not parse.
    static func locate(_ path: String) -> AudioChunk? {
        guard let head = try? SourceFile.firstBytes(path, count: 12), head.count == 12 else { return nil }
        let magic = String(decoding: head[0..<4], as: UTF8.self), form = String(decoding: head[8..<12], as: UTF8.self)
        if (magic == "RIFF" || magic == "RF64") && form == "WAVE" {
            return RIFFChunks(path: path).chunks.first { $0.id == "data" }.map { AudioChunk(offset: $0.offset, statedBytes: $0.size, bigEndian: false) }
        }
        if magic == "riff" { return wave64(path) }
        if magic == "FORM" && (form == "AIFF" || form == "AIFC") { return aiff(path) }
        return nil
    }

    /// A Sony Wave64 file's data chunk (GUIDs starting "data"; sizes 64-bit little-endian and
    /// including the 24-byte chunk header; chunks 8-byte aligned).
    private static func wave64(_ path: String) -> AudioChunk? {
        var offset: Int64 = 40  // riff GUID, size, wave GUID
        for _ in 0..<10_000 {
            guard let header = try? SourceFile.bytes(path, offset..<offset + 24), header.count == 24 else { return nil }
            let size = Int64(bitPattern: header[16..<24].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            guard size >= 24, size < 1 << 50 else { return nil }
            if header.starts(with: Array("data".utf8)) { return AudioChunk(offset: offset + 24, statedBytes: size - 24, bigEndian: false) }
            offset += (size + 7) & ~7
        }
        return nil
    }

    /// An AIFF/AIFC file's SSND chunk (sizes 32-bit big-endian; chunks of odd size padded; the
    /// samples after its offset and block size fields and `offset` bytes more).
    private static func aiff(_ path: String) -> AudioChunk? {
        var offset: Int64 = 12
        for _ in 0..<10_000 {
            guard let header = try? SourceFile.bytes(path, offset..<offset + 8), header.count == 8 else { return nil }
            let size = Int64(header[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            if header.starts(with: Array("SSND".utf8)) {
                guard let fields = try? SourceFile.bytes(path, offset + 8..<offset + 16), fields.count == 8 else { return nil }
                let dataOffset = Int64(fields[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                return AudioChunk(offset: offset + 16 + dataOffset, statedBytes: max(0, size - 8 - dataOffset), bigEndian: true)
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}
