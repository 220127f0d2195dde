/// Audio files the tests make with sox (a reference tool, so no code under test makes them).
public enum TestAudio {
    /// A mono 16-bit WAV (or whatever the extension says) of a sine tone at `path`, made
    /// repeatably (`sox -R`).
    public static func tone(_ path: String, seconds: Double = 1, rate: Int = 16_000, frequency: Int = 440) throws {
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", [
            "-R", "-n", "-r", "\(rate)", "-b", "16", "-c", "1", path, "synth", "\(seconds)", "sine", "\(frequency)"])
    }
}
