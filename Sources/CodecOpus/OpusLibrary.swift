internal import COpus
internal import COgg

/// The libopus this build links (libopusfile and libopusenc are linked with it).
public enum OpusLibrary {
    /// libopus's version string, e.g. "libopus 1.3.1".
    public static var version: String { String(cString: opus_get_version_string()) }

    /// libopusenc's version string.
    public static var encoderVersion: String { String(cString: ope_get_version_string()) }
}
