/// The documented scaling of ``SampleFormat`` from native integers, as tight loops over raw
/// memory (unaligned stores: a caller's buffer from C need not be aligned for the sample type).
enum NativeSamples {
    /// Writes `source` (native integers at `bitsPerSample`, 1-32) as `format` to `out`, which
    /// holds at least `source.count * format.bytesPerSample` bytes.
    static func write(_ source: UnsafeBufferPointer<Int32>, as format: SampleFormat, bitsPerSample: Int, to out: UnsafeMutableRawPointer) {
        switch format {
        case .int32:
            if let base = source.baseAddress { out.copyMemory(from: base, byteCount: source.count * 4) }
        case .int16:
            // Shifts by at most 16 either way (bits 1-32): the masking shifts are exact here and
            // keep the loop free of the overshift checks of `>>`.
            let shift = Int32(bitsPerSample - 16)
            if shift >= 0 {
                for i in source.indices { out.storeBytes(of: Int16(truncatingIfNeeded: source[i] &>> shift), toByteOffset: 2 * i, as: Int16.self) }
            } else {
                for i in source.indices { out.storeBytes(of: Int16(truncatingIfNeeded: source[i] &<< -shift), toByteOffset: 2 * i, as: Int16.self) }
            }
        case .float32:
            let scale = 1 / Float(1 << Int64(bitsPerSample - 1))
            for i in source.indices { out.storeBytes(of: Float(source[i]) * scale, toByteOffset: 4 * i, as: Float.self) }
        }
    }
}
