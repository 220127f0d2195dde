import CodecCore

/// Namespace for the Opus-in-Ogg types (RFC 7845) and the codec ID.
public enum Opus {
    /// The codec ID persisted in recordings; never change it.
    public static let codecID = CodecID("opus")
    /// Granule positions and pre-skip count samples at 48 kHz (RFC 7845 §4).
    public static let granuleRate = 48_000
    /// The rates libopus encodes and decodes natively.
    public static let nativeRates = [8_000, 12_000, 16_000, 24_000, 48_000]
}
