/// Audio files the tests make with sox (a reference tool, so no code under test makes them).
public enum TestAudio {
    /// A mono 16-bit WAV (or whatever the extension says) of a sine tone at `path`, made
    /// repeatably (`sox -R`).
    /// `count` tones `t0.wav`, `t1.wav`, ... in `folder`, each at its own frequency (`frequency`,
    /// then `step` Hz higher each), so that every file has its own sha256.
    public static func tones(_ count: Int, in folder: String, seconds: Double, frequency: Int, step: Int) throws -> [String] {
        try (0..<count).map { k in
            let file = folder + "/t\(k).wav"
            try tone(file, seconds: seconds, frequency: frequency + step * k)
            return file
        }
    }

    public static func tone(_ path: String, seconds: Double = 1, rate: Int = 16_000, frequency: Int = 440) throws {
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", [
            "-R", "-n", "-r", "\(rate)", "-b", "16", "-c", "1", path, "synth", "\(seconds)", "sine", "\(frequency)"])
    }
}
