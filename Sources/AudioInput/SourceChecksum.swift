import CodecCore

extension SourceFile {
    /// The file's size in bytes and SHA-256 (hex), in one streamed pass.
    public static func sizeAndSHA256(_ path: String) throws(CodecError) -> (size: Int64, sha256: String) {
        let hash = SHA256()
        var size: Int64 = 0
        try forEachPiece(path) { piece in
            hash.update(piece)
            size += Int64(piece.count)
        }
        return (size, SHA256.hex(hash.finalize()))
    }
}

extension ImportSource {
    /// The source `path` with its size and SHA-256 measured, so that the recording names them.
    public static func checksummed(_ path: String, isLossyDecode: Bool = false) throws(CodecError) -> ImportSource {
        let (size, sha256) = try SourceFile.sizeAndSHA256(path)
        return ImportSource(path: path, isLossyDecode: isLossyDecode, sizeBytes: size, sha256: sha256)
    }

    /// A reader of the source's PCM (reporting to ``progress``).
    public func pcmReader() throws(CodecError) -> PCMFileReader {
        let reader = try PCMFileReader(path: path, floatIsLossyDecode: isLossyDecode)
        reader.progress = progress
        return reader
    }
}
