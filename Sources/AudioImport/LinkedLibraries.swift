import CodecCore
import CodecFLAC
import CodecOpus
import CodecWavPack
import ZarrStore

/// The C libraries this build links, with their versions, for `aimport version` and bug reports.
public enum LinkedLibraries {
    /// (library, version) pairs in a stable order.
    public static var versions: [(library: String, version: String)] {
        [
            ("libFLAC", FLACLibrary.version),
            ("libopus", OpusLibrary.version),
            ("libopusenc", OpusLibrary.encoderVersion),
            ("libsndfile", SndfileLibrary.version),
            ("libwavpack", WavPackLibrary.version),
            ("libzstd", ZstdLibrary.version),
        ]
    }
}
