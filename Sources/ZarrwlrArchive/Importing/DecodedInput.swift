/// A temporary WAV that an import reads instead of the file it was given (a decode by ffmpeg, an
/// AudioMoth triggered recording expanded); the recording still describes the original file.
struct DecodedInput: Sendable {
    let wav: String
    /// What the original was: "ffmpeg: container, codec", "AudioMoth triggered recording, ...".
    let description: String
    /// The original is lossy: the WAV holds its float decode.
    let isLossy: Bool
    /// What made the WAV: "ffmpeg", "audiomoth_expansion".
    let decodedBy: String
    /// What the import tells the user, if it says anything.
    let warning: String?
    /// Why `export` cannot give the original back, when the import says so.
    let notKept: String?
}
