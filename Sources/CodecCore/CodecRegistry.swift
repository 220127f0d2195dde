/// The codecs an application knows, looked up by ID or by probing a file's first bytes.
/// The composition root (ZarrwlrArchive) builds the one list; codec modules do not register globally.
public struct CodecRegistry: Sendable {
    public let backends: [any CodecBackend.Type]

    public init(_ backends: [any CodecBackend.Type]) {
        self.backends = backends
    }

    /// This registry with `backend` added (a codec from another package); a backend with the
    /// same ID is replaced.
    public func adding(_ backend: any CodecBackend.Type) -> CodecRegistry {
        CodecRegistry(backends.filter { $0.codecID != backend.codecID } + [backend])
    }

    /// The backend whose ID is `id`.
    public func backend(for id: CodecID) -> (any CodecBackend.Type)? {
        backends.first { $0.codecID == id }
    }

    /// The backend whose stream format a file holds (magic bytes first, extension second).
    public func probe(firstBytes: [UInt8], fileExtension: String) -> (any CodecBackend.Type)? {
        let scored = backends.map { ($0, $0.probe.score(firstBytes: firstBytes, fileExtension: fileExtension)) }
        guard let best = scored.max(by: { $0.1 < $1.1 }), best.1 > 0 else { return nil }
        return best.0
    }
}
