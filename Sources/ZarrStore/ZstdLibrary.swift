internal import CZstd

/// The libzstd this build links.
public enum ZstdLibrary {
    /// libzstd's version, e.g. "1.5.4".
    public static var version: String { String(cString: ZSTD_versionString()) }
}
