import AudioInput
import CodecCore
import CodecWavPack

/// A WavPack file imported with another codec (libsndfile does not read WavPack): libwavpack,
/// the format's reference decoder, decodes it into a temporary WAV at the file's own depth
/// (integers of 1-32 bits in whole bytes, or 32-bit floats), so the other codec stores exactly
/// its samples; a hybrid (lossy) file is refused, since only WavPack keeps it as it is.
enum WavPackDecoding {
    /// Whether `file` is a WavPack file ("wvpk" at byte 0) that `backend` does not store as it is.
    static func isNeeded(_ file: String, backend: any CodecBackend.Type) -> Bool {
        backend.codecID != WavPack.codecID && (try? SourceFile.firstBytes(file, count: 4)) == Array("wvpk".utf8)
    }

    /// Decodes the WavPack file `path` into a WAV inside `folder`.
    /// - Throws: ``CodecError/Code/unsupported`` for a hybrid file, ``CodecError/Code/corrupt``
    ///   when libwavpack finds damaged blocks or fewer samples than the file states.
    static func decode(_ path: String, into folder: String) throws(CodecError) -> DecodedInput {
        let reader = try WavPack.FileReader(path: path)
        guard reader.isLossless else {
            throw CodecError(.unsupported, "a hybrid (lossy) WavPack file: only `--codec wavpack` keeps it, as it is", codec: WavPack.codecID, file: path)
        }
        guard (1...4).contains(reader.bytesPerSample), reader.channelCount > 0, reader.sampleRate > 0 else {
            throw CodecError(.unsupported, "libwavpack reads \(reader.bytesPerSample)-byte samples, \(reader.channelCount) channels at \(reader.sampleRate) Hz, which a WAV cannot hold", codec: WavPack.codecID, file: path)
        }
        let wav = folder + "/decoded.wav"
        let bits = reader.bytesPerSample * 8
        let depth = reader.isFloat ? nil : bits
        let writer = try PCMFileWriter(
            path: wav, container: .wav(frames: reader.declaredFrames, channelCount: reader.channelCount, bitsPerSample: depth),
            sampleRate: reader.sampleRate, channelCount: reader.channelCount, bitsPerSample: depth)
        var samples: [Int32] = []
        var frames: Int64 = 0
        while true {
            let read = reader.read(maxFrames: 65_536, into: &samples)
            if read == 0 { break }
            frames += Int64(read)
            let pcm: PCMBuffer.Samples = reader.isFloat ? .float32(samples.map { Float(bitPattern: UInt32(bitPattern: $0)) }) : .int32(samples)
            try writer.write(PCMBuffer(samples: pcm, channelCount: reader.channelCount, sampleRate: reader.sampleRate, bitsPerSample: reader.isFloat ? 32 : bits))
        }
        try writer.close()
        guard reader.damagedBlocks == 0, reader.declaredFrames < 0 || frames == reader.declaredFrames else {
            throw CodecError(.corrupt, "libwavpack decodes \(frames) of the \(reader.declaredFrames) frames it states, with \(reader.damagedBlocks) damaged blocks: the file is damaged", codec: WavPack.codecID, file: path)
        }
        let kind = reader.isFloat ? "32-bit float" : "\(reader.bitsPerSample)-bit"
        return DecodedInput(wav: wav, description: "WavPack (\(kind), decoded by libwavpack \(WavPackLibrary.version))", isLossy: false, decodedBy: "libwavpack", warning: nil, notKept: nil)
    }
}
