import Foundation

/// Decodes with tools nobody here wrote, for level and sample comparisons.
public enum ReferenceDecoders {
    /// ffmpeg's decode of `path` as interleaved 32-bit floats at the file's own level (no
    /// normalisation, no resampling, no channel remapping).
    public static func ffmpegFloats(_ path: String) throws -> [Float] {
        let output = path + ".ffmpeg.f32"
        defer { try? FileManager.default.removeItem(atPath: output) }
        try ProcessRunner.run(ProcessRunner.which("ffmpeg") ?? "/usr/bin/ffmpeg", [
            "-v", "error", "-nostdin", "-y", "-i", path, "-map", "0:a:0", "-f", "f32le", "-c:a", "pcm_f32le", output])
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Root-mean-square level in dBFS of channel `channel` of interleaved `samples`.
    public static func rmsDecibels(_ samples: [Float], channels: Int = 1, channel: Int = 0) -> Double {
        var sum = 0.0
        var count = 0
        var i = channel
        while i < samples.count {
            sum += Double(samples[i]) * Double(samples[i])
            count += 1
            i += channels
        }
        guard count > 0, sum > 0 else { return -.infinity }
        return 10 * log10(sum / Double(count))
    }

    /// Peak level in dBFS.
    public static func peakDecibels(_ samples: [Float]) -> Double {
        let peak = samples.reduce(0) { max($0, abs(Double($1))) }
        return peak > 0 ? 20 * log10(peak) : -.infinity
    }
}
