internal import CSndfile

/// The libsndfile this build links (it decodes PCM inputs for import).
public enum SndfileLibrary {
    /// libsndfile's version string, e.g. "libsndfile-1.2.0".
    public static var version: String { String(cString: sf_version_string()) }
}
