@testable import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport

/// A WAV's sizes are 32-bit, and libsndfile writes past 4 GiB without a word, its header then
/// stating a fraction of the audio (a 4.36 GB WAV read back as 16,777,216 of its 1,090,519,040
/// frames): outputs and temporary decodes that may be larger are RF64, and a WAV refuses samples
/// past its size instead of wrapping.
@Suite struct WAVSizeTests {
    @Test func outputsPastAWAVsSizesAreRF64() {
        let limitFrames = PCMFileWriter.wavDataLimit / 4
        #expect(PCMFileWriter.Container.wav(frames: limitFrames, channelCount: 2, bitsPerSample: 16) == .wav)
        #expect(PCMFileWriter.Container.wav(frames: limitFrames + 1, channelCount: 2, bitsPerSample: 16) == .rf64)
        #expect(PCMFileWriter.Container.wav(frames: limitFrames / 2 + 1, channelCount: 2, bitsPerSample: nil) == .rf64)
        #expect(PCMFileWriter.Container.wav(frames: PCMFileWriter.wavDataLimit / 3 + 1, channelCount: 1, bitsPerSample: 24) == .rf64)
        #expect(PCMFileWriter.Container.wav(frames: -1, channelCount: 1, bitsPerSample: 16) == .rf64)
        #expect(PCMFileWriter.Container.wav(frames: Int64.max, channelCount: 8, bitsPerSample: 32) == .rf64)
    }

    /// An RF64 file that ends up small is a WAV libsndfile reads back whole, GUANO chunk and all.
    @Test func aSmallRF64IsAPlainWAVWithItsChunk() throws {
        let folder = TemporaryFolder()
        let path = folder.path + "/small.wav"
        let writer = try PCMFileWriter(path: path, container: .rf64, sampleRate: 48_000, channelCount: 2, bitsPerSample: 24,
                                       provenance: .init(guano: "GUANO|Version: 1.0\nMake: test\n", timestamp: nil))
        let samples = (0..<20_000).map { Int32(($0 * 7919) % 16_777_216) - 8_388_608 }
        try writer.write(PCMBuffer(samples: .int32(samples), channelCount: 2, sampleRate: 48_000, bitsPerSample: 24))
        try writer.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.prefix(4) == Data("RIFF".utf8) && bytes.range(of: Data("GUANO|Version: 1.0".utf8)) != nil)
        let reader = try PCMFileReader(path: path)
        var back: [Int32] = []
        #expect(try reader.read(maxFrames: 20_000, into: &back) == 10_000 && back == samples && reader.bitsPerSample == 24)
    }

    @Test func aWAVRefusesSamplesPastItsSizes() throws {
        let folder = TemporaryFolder()
        let path = folder.path + "/capped.wav"
        let writer = try PCMFileWriter(path: path, container: .wav, sampleRate: 8_000, channelCount: 1, bitsPerSample: 16)
        writer.dataLimit = 3_000
        let block = PCMBuffer(samples: .int32([Int32](repeating: 5, count: 1_000)), channelCount: 1, sampleRate: 8_000, bitsPerSample: 16)
        try writer.write(block)
        #expect(throws: CodecError.self) { try writer.write(block) }
        try writer.close()
        #expect(try PCMFileReader(path: path).declaredFrames == 1_000)
    }
}
