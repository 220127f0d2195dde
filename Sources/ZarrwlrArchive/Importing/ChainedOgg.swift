import CodecCore
import CodecOpus

/// Ogg files of several logical streams (RFC 3533 §4: chained, as a recorder that starts a new
/// stream in the same file writes them, or multiplexed). libsndfile decodes the first stream of
/// such a file and ffmpeg may give another part of it, so an import through either would keep a
/// part of the recording as if it were all of it (a 3.8 s chain of two Opus streams imported as
/// its first 1.5 s, exit 0); the Opus codec's copy refuses them too.
enum ChainedOgg {
    /// Refuses the file at `path` when it is an Ogg file of more than one logical stream.
    /// - Throws: ``CodecError/Code/unsupported`` naming where the second stream begins.
    static func refuse(_ path: String) throws(CodecError) {
        guard let second = try Ogg.walk(file: path)?.secondStream else { return }
        throw CodecError(
            .unsupported,
            "chained or multiplexed Ogg streams (a second logical stream, serial \(second.serial), begins at byte \(second.offset)): the decoders here read one stream of such a file, so it is refused rather than imported in part; decode it to WAV with opusdec or oggdec, which read every link, and import that",
            file: path, byteOffset: second.offset)
    }
}
