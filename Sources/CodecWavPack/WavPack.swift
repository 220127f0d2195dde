internal import CWavPack
import CodecCore

/// Namespace for the WavPack format types (the WavPack 5 block format, libwavpack).
public enum WavPack {
    /// The codec ID persisted in recordings; never change it.
    public static let codecID = CodecID("wavpack")
}

/// The linked libwavpack.
public enum WavPackLibrary {
    /// libwavpack's version string, e.g. "5.6.0".
    public static var version: String { String(cString: WavpackGetLibraryVersionString()) }
}
