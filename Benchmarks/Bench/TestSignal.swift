import Foundation

/// Writes a long 16-bit mono WAV that compresses like a field recording: a quiet noise floor,
/// a slowly drifting tone, and bursts of chirps, generated block by block (never in memory whole).
enum TestSignal {
    /// - Parameter seed: another seed gives another noise floor (distinct files, same character).
    static func writeWAV(path: String, sampleRate: Int, seconds: Int, seed: UInt64 = 0) throws {
        let frames = sampleRate * seconds
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? file.close() }
        try file.write(contentsOf: wavHeader(sampleRate: sampleRate, channels: 1, frames: frames))

        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ seed
        var phase = 0.0, chirpPhase = 0.0
        let block = 1 << 16
        var written = 0
        var samples = [Int16](repeating: 0, count: block)
        while written < frames {
            let n = min(block, frames - written)
            for i in 0..<n {
                let t = Double(written + i) / Double(sampleRate)
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                let noise = Double(Int64(bitPattern: state) >> 53) / 1024.0  // about -1...1
                phase += 2 * Double.pi * (900 + 300 * sin(t / 7)) / Double(sampleRate)
                let burst = (t.truncatingRemainder(dividingBy: 3.0)) < 0.4
                let chirpFrequency = Double(sampleRate) * (0.05 + 0.25 * (t.truncatingRemainder(dividingBy: 0.4) / 0.4))
                chirpPhase += 2 * Double.pi * chirpFrequency / Double(sampleRate)
                let value = 120 * noise + 900 * sin(phase) + (burst ? 4000 * sin(chirpPhase) : 0)
                samples[i] = Int16(max(-32768, min(32767, value)))
            }
            try samples.prefix(n).withUnsafeBytes { try file.write(contentsOf: Data($0)) }
            written += n
        }
    }

    /// The 44-byte header of a 16-bit PCM WAV.
    static func wavHeader(sampleRate: Int, channels: Int, frames: Int) -> Data {
        var header = Data()
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        let bytes = frames * channels * 2
        header.append(contentsOf: Array("RIFF".utf8)); le(UInt32(36 + bytes)); header.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16)); le(UInt16(1)); le(UInt16(channels)); le(UInt32(sampleRate)); le(UInt32(sampleRate * 2 * channels)); le(UInt16(2 * channels)); le(UInt16(16))
        header.append(contentsOf: Array("data".utf8)); le(UInt32(bytes))
        return header
    }

    /// SNR in dB of `decoded` (interleaved, full scale 1) against the 16-bit WAV at `wav` (as
    /// written here, 44-byte header), over the decoded length.
    static func snr(wav: String, decoded: [Float]) throws -> Double {
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: wav))
        defer { try? file.close() }
        try file.seek(toOffset: 44)
        let pcm = try file.read(upToCount: decoded.count * 2) ?? Data()
        var signal = 0.0, noise = 0.0
        pcm.withUnsafeBytes { raw in
            for (i, sample) in raw.bindMemory(to: Int16.self).enumerated() where i < decoded.count {
                let x = Double(Int16(littleEndian: sample)) / 32768
                signal += x * x
                noise += (x - Double(decoded[i])) * (x - Double(decoded[i]))
            }
        }
        return 10 * log10(signal / noise)
    }
}
