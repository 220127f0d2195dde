internal import CSoxr
import CodecCore

/// Resampling with libsoxr (the library sox and ffmpeg's soxr option use): a segment at a time,
/// as soxr's one-shot call does it (linear phase, one thread), float32 in and out.
public enum Resampler {
    /// soxr's quality recipes.
    public enum Quality: String, Sendable, CaseIterable {
        /// 'Low': 16-bit with larger rolloff.
        case low = "LQ"
        /// 'Medium': 16-bit with medium rolloff.
        case medium = "MQ"
        /// 'High': 20-bit (soxr's default).
        case high = "HQ"
        /// 'Very high': 28-bit.
        case veryHigh = "VHQ"

        var recipe: UInt {
            switch self {
            case .low: UInt(zw_soxr_recipe_lq())
            case .medium: UInt(zw_soxr_recipe_mq())
            case .high: UInt(zw_soxr_recipe_hq())
            case .veryHigh: UInt(zw_soxr_recipe_vhq())
            }
        }
    }

    /// Frames `frames` at `inputRate` become at `outputRate`: rounded to the nearest frame.
    public static func outputFrames(_ frames: Int, from inputRate: Int, to outputRate: Int) -> Int {
        guard inputRate > 0, outputRate > 0, frames > 0 else { return 0 }
        return Int((Double(frames) * Double(outputRate) / Double(inputRate)).rounded())
    }

    /// `input` (interleaved, `channels` per frame) at `inputRate` resampled to `outputRate`
    /// into `output` (``outputFrames(_:from:to:)`` frames; what soxr does not fill is zero).
    /// - Throws: ``CodecError/Code/invalidArgument`` for a rate or size soxr refuses.
    public static func resample(
        _ input: UnsafeBufferPointer<Float>, channels: Int, from inputRate: Int, to outputRate: Int, quality: Quality,
        into output: UnsafeMutableBufferPointer<Float>
    ) throws(CodecError) {
        guard channels > 0, inputRate > 0, outputRate > 0, input.count % channels == 0, output.count % channels == 0 else {
            throw CodecError(.invalidArgument, "cannot resample \(input.count) samples of \(channels) channels from \(inputRate) Hz to \(outputRate) Hz")
        }
        var done = 0
        let failure = zw_soxr_resample_float32(
            Double(inputRate), Double(outputRate), UInt32(channels), input.baseAddress, input.count / channels,
            output.baseAddress, output.count / channels, &done, UInt(quality.recipe))
        if let failure {
            throw CodecError(.invalidArgument, "libsoxr refused the resampling: \(String(cString: failure))")
        }
        let written = min(done * channels, output.count)
        if written < output.count { UnsafeMutableBufferPointer(rebasing: output[written...]).update(repeating: 0) }
    }
}
