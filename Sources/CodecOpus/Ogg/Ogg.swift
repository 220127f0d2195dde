/// Namespace for the Ogg container (RFC 3533). Nothing here knows about Opus.
public enum Ogg {
    /// The largest page: 27 header bytes, 255 lacing values, 255 x 255 body bytes.
    public static let maximumPageBytes = 27 + 255 + 255 * 255
}
