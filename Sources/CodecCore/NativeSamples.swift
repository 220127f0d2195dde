/// The documented scaling of ``SampleFormat`` from native integers, as tight loops.
enum NativeSamples {
    /// int16: shifted right for deeper sources, left for shallower ones (`out.count >= source.count`).
    static func write(_ source: UnsafeBufferPointer<Int32>, bitsPerSample: Int, into out: UnsafeMutableBufferPointer<Int16>) {
        // Shifts by at most 16 either way (bits 1-32): the masking shifts are exact here and keep
        // the loop free of the overshift checks of `>>`, so it vectorizes.
        let shift = Int32(bitsPerSample - 16)
        if shift >= 0 {
            for i in source.indices { out[i] = Int16(truncatingIfNeeded: source[i] &>> shift) }
        } else {
            for i in source.indices { out[i] = Int16(truncatingIfNeeded: source[i] &<< -shift) }
        }
    }

    /// float32: value / 2^(bits - 1) (`out.count >= source.count`).
    static func write(_ source: UnsafeBufferPointer<Int32>, bitsPerSample: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let scale = 1 / Float(1 << Int64(bitsPerSample - 1))
        for i in source.indices { out[i] = Float(source[i]) * scale }
    }
}
