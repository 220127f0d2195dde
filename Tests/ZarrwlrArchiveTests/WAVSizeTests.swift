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

/// WAVs past 4 GiB whose writer left the 32-bit data size wrapped or clamped (libsndfile 1.2.0
/// itself wraps it), or never wrote it: read whole, through an RF64 view. The files are sparse: 4.3 GB of zeros
/// with samples at the start and at the end, written in a few kilobytes.
@Suite struct WAVPast4GiBTests {
    static let frames: Int64 = 2_150_000_000  // 16-bit mono: 4.3 GB of audio

    /// A sparse 16-bit mono WAV of `frames` frames whose data chunk states `stated` bytes,
    /// followed by a LIST chunk when `trailer` is set; samples 1...64 at the start and the end.
    private func sparseWAV(_ path: String, stated: (Int64) -> Int64, trailer: Bool) throws {
        func le(_ value: Int64, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let audio = Self.frames * 2
        let header = Array("RIFF".utf8) + le(0xFFFF_FFFF, 4) + Array("WAVE".utf8) + Array("fmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2)
            + le(48_000, 4) + le(96_000, 4) + le(2, 2) + le(16, 2) + Array("data".utf8) + le(stated(audio), 4)
        let marks = (1...64).flatMap { le($0, 2) }
        let list = Array("LIST".utf8) + le(12, 4) + Array("INFOICMT".utf8) + le(0, 4)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data(header + marks))
        try handle.seek(toOffset: UInt64(Int64(header.count) + audio - 128))
        try handle.write(contentsOf: Data(marks + (trailer ? list : [])))
        try handle.close()
    }

    @Test(arguments: [("wrapped", false), ("clamped", false), ("wrapped", true), ("never finalised", false)])
    func aWAVPast4GiBIsReadWhole(_ kind: String, _ trailer: Bool) throws {
        let folder = TemporaryFolder()
        let path = folder.path + "/big.wav"
        FileManager.default.createFile(atPath: path, contents: nil)
        try sparseWAV(path, stated: { kind == "wrapped" ? $0 % (1 << 32) : kind == "clamped" ? 0xFFFF_FFFF : 0 }, trailer: trailer && kind == "wrapped")
        let repair = try #require(UnfinalisedWAV.detect(path))
        #expect(repair.audioBytes == Self.frames * 2)
        let reader = try PCMFileReader(path: path)
        #expect(reader.declaredFrames == Self.frames)
        var first: [Int32] = []
        #expect(try reader.read(maxFrames: 64, into: &first) == 64 && first == (1...64).map { Int32($0) })
    }

    /// A WAV whose chunk after the audio lies where its size says is read as it states.
    @Test func aWAVWhoseSizeIsRightIsLeftAlone() throws {
        let folder = TemporaryFolder()
        let path = folder.path + "/small.wav"
        let writer = try PCMFileWriter(path: path, container: .wav, sampleRate: 8_000, channelCount: 1, bitsPerSample: 16,
                                       provenance: .init(guano: "GUANO|Version: 1.0\n", timestamp: nil))
        try writer.write(PCMBuffer(samples: .int32([Int32](repeating: 3, count: 100)), channelCount: 1, sampleRate: 8_000, bitsPerSample: 16))
        try writer.close()
        #expect(UnfinalisedWAV.detect(path) == nil)
    }
}
