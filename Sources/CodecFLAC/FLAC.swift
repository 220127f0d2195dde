import CodecCore

/// Namespace for the FLAC format types (RFC 9639).
public enum FLAC {
    /// The codec ID persisted in recordings; never change it.
    public static let codecID = CodecID("flac")
}
