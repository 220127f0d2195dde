import CodecCore

extension SourceFile {
    /// The file's size in bytes and SHA-256 (hex), in one streamed pass.
    public static func sizeAndSHA256(_ path: String) throws(CodecError) -> (size: Int64, sha256: String) {
        let hash = MessageDigest(.sha256)
        var size: Int64 = 0
        try forEachPiece(path) { piece in
            hash.update(piece)
            size += Int64(piece.count)
        }
        return (size, MessageDigest.hex(hash.finalize()))
    }

    /// Whether `text` is a SHA-256 as ``sizeAndSHA256(_:)`` writes it (64 lowercase hex digits):
    /// only such a text names a file in the archive's marker folder.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}

extension ImportSource {
    /// The source `path` with its size and SHA-256 measured, so that the recording names them.
    public static func checksummed(_ path: String, isLossyDecode: Bool = false) throws(CodecError) -> ImportSource {
        let (size, sha256) = try SourceFile.sizeAndSHA256(path)
        return ImportSource(path: path, isLossyDecode: isLossyDecode, sizeBytes: size, sha256: sha256)
    }

    /// A reader of the source's PCM (reporting to ``progress`` and ``pcmObserver``).
    public func pcmReader() throws(CodecError) -> PCMFileReader {
        let reader = try PCMFileReader(path: path, floatIsLossyDecode: isLossyDecode)
        reader.progress = progress
        reader.observer = pcmObserver
        return reader
    }
}
