import CodecCore
import CodecFLAC
import CodecOpus
import CodecWavPack

/// The composition root's one list of codecs. A new codec module is added here and nowhere else.
public enum AudioCodecs {
    public static let registry = CodecRegistry([FLACBackend.self, OpusBackend.self, WavPackBackend.self])

    /// The default codec for new recordings (lossless).
    public static let defaultCodec = FLACBackend.codecID
}
