internal import CFLAC

/// The libFLAC this build links.
public enum FLACLibrary {
    /// libFLAC's version, e.g. "1.4.2".
    public static var version: String { String(cString: cflac_version_string()) }
}
