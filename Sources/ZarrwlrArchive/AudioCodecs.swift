import CodecCore
import CodecFLAC
import CodecOpus
import CodecWavPack

extension CodecRegistry {
    /// This project's codecs: the composition root's one list. A new codec module in this
    /// repository is added here and nowhere else; a codec from another package is added to an
    /// archive's registry with ``CodecRegistry/adding(_:)``.
    public static let standard = CodecRegistry([FLACBackend.self, OpusBackend.self, WavPackBackend.self])
}

/// The standard registry and the default codec.
public enum AudioCodecs {
    public static let registry = CodecRegistry.standard

    /// The default codec for new recordings (lossless).
    public static let defaultCodec = FLACBackend.codecID
}
