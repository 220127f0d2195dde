import CodecCore

/// One channel of a recording, or the mean of all, as float samples.
enum MonoSamples {
    /// `count` samples from `first` (zeros outside the recording): channel `channel`, or the
    /// mean of all channels when it is nil.
    static func read(_ reader: any RecordingReader, from first: Int64, count: Int, channel: Int?) throws(CodecError) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        let lower = max(0, first), upper = min(reader.totalSamples, first + Int64(count))
        guard upper > lower else { return out }
        let buffer = try reader.extract(lower..<upper, as: .float32)
        guard case .float32(let values) = buffer.samples else { return out }
        let channels = reader.channelCount
        let offset = Int(lower - first)
        if channels == 1 {
            out.replaceSubrange(offset..<offset + values.count, with: values)
            return out
        }
        for frame in 0..<Int(upper - lower) {
            if let channel {
                out[offset + frame] = values[frame * channels + channel]
            } else {
                var sum: Float = 0
                for c in 0..<channels { sum += values[frame * channels + c] }
                out[offset + frame] = sum / Float(channels)
            }
        }
        return out
    }
}
