/// An input file to import.
public struct ImportSource: Sendable {
    public let path: String
    /// The file is a float decode of a lossy original (made by ffmpeg, say): backends treat its
    /// samples as a lossy source's, not as float PCM to keep exactly.
    public let isLossyDecode: Bool
    /// The file's size in bytes, when the caller measured it (else the template stats the file).
    public let sizeBytes: Int64?
    /// The file's SHA-256 (hex), when the caller measured it: the archive does, once per file,
    /// for its duplicate gate; `ImportSource.checksummed` in AudioInput does it for other callers.
    public let sha256: String?
    /// Where readers of the source report how far they got (for a progress display).
    public let progress: ReadProgress?
    /// Sees every sample the source's readers hand out (see ``PCMObserver``).
    public let pcmObserver: (any PCMObserver)?

    public init(
        path: String, isLossyDecode: Bool = false, sizeBytes: Int64? = nil, sha256: String? = nil, progress: ReadProgress? = nil,
        pcmObserver: (any PCMObserver)? = nil
    ) {
        self.path = path
        self.isLossyDecode = isLossyDecode
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.progress = progress
        self.pcmObserver = pcmObserver
    }

    /// The file name without folders.
    public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }
}
