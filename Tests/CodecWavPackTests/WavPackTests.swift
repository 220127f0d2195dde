import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecWavPack

/// WavPack against references nobody here wrote: libsndfile's decode of the source for our
/// encodes, and wvunpack's decode for files made by the wavpack CLI (stored 1:1).
@Suite struct WavPackTests {
    static let wavpack = ProcessRunner.which("wavpack") ?? "/usr/bin/wavpack"
    static let wvunpack = ProcessRunner.which("wvunpack") ?? "/usr/bin/wvunpack"
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"

    private func importFile(_ path: String, in folder: TemporaryFolder, workers: Int = 2) async throws -> (ZarrGroup, ImportReport) {
        let store = FilesystemStore(root: folder.path + "/store-\(UUID().uuidString.prefix(6)).zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        var options = ImportOptions()
        options.workers = workers
        let report = try await WavPackBackend().importToZarr(from: ImportSource.checksummed(path), into: group, options: options)
        return (try ZarrGroup.open(in: store, at: "0"), report)
    }

    /// Ranges that cross frame edges, the first and last samples and the whole recording.
    private func ranges(total: Int64, seed: UInt64) -> [Range<Int64>] {
        var random = SeededGenerator(state: seed)
        var result: [Range<Int64>] = [0..<total, 0..<1, (total - 1)..<total]
        for _ in 0..<20 {
            let start = Int64.random(in: 0..<total, using: &random)
            result.append(start..<min(total, start + Int64.random(in: 1...60_000, using: &random)))
        }
        return result
    }

    /// libsndfile's decode of `path`: native integers, or float bit patterns.
    private func sourceSamples(_ path: String) throws -> [Int32] {
        let reader = try PCMFileReader(path: path)
        if reader.encoding == .float {
            var all: [Float] = [], block: [Float] = []
            while try reader.readFloat(maxFrames: 1 << 16, into: &block) > 0 { all += block }
            return all.map { Int32(bitPattern: $0.bitPattern) }
        }
        var all: [Int32] = [], block: [Int32] = []
        while try reader.read(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return all
    }

    private func checkAgainstSource(_ wav: String, in folder: TemporaryFolder) async throws {
        let (group, report) = try await importFile(wav, in: folder)
        #expect(!report.copiedVerbatim)
        let expected = try sourceSamples(wav)
        let reader = try WavPackBackend().openWavPackRecording(group)
        let channels = Int64(reader.channelCount)
        #expect(reader.totalSamples * channels == Int64(expected.count))
        for range in ranges(total: reader.totalSamples, seed: UInt64(expected.count)) {
            #expect(try reader.extractNative(range) == Array(expected[Int(range.lowerBound * channels)..<Int(range.upperBound * channels)]), "\(range)")
        }
    }

    @Test func floatWAVRoundTripsBitExactly() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/float.wav"
        var generator = SeededGenerator(state: 3)
        let frames = 150_000
        // Quiet and loud, beyond full scale, denormal-small and exact zeros: all must come back.
        let samples: [Float] = (0..<frames * 2).map { i in
            switch i % 7 {
            case 0: return 0
            case 1: return Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) & 0x007F_FFFF)
            case 2: return 1.75
            default: return Float(Double(Int64(bitPattern: generator.next() >> 11) - (1 << 52)) / Double(1 << 52)) * 0.003
            }
        }
        let writer = try PCMFileWriter(path: wav, container: .wav, sampleRate: 96_000, channelCount: 2, bitsPerSample: nil)
        try writer.write(PCMBuffer(samples: .float32(samples), channelCount: 2, sampleRate: 96_000, bitsPerSample: 32))
        try writer.close()
        try await checkAgainstSource(wav, in: folder)
        let (group, _) = try await importFile(wav, in: folder)
        guard case .float32(let extracted) = try WavPackBackend().openRecording(group).extract(0..<Int64(frames), as: .float32).samples else { return }
        #expect(extracted.map(\.bitPattern) == samples.map(\.bitPattern))
    }

    @Test(arguments: [(16, 24, 48_000), (1, 16, 384_000), (2, 8, 500_000), (3, 32, 22_050), (40, 16, 8_000)])
    func integerArraysAndRatesRoundTrip(_ channels: Int, _ bits: Int, _ rate: Int) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/array.wav"
        try ProcessRunner.run(Self.sox, [
            "-R", "-n", "-r", String(rate), "-b", String(bits), "-c", String(channels), "-e", bits == 8 ? "unsigned-integer" : "signed-integer", wav,
            "synth", "1.3", "sine", "100-\(rate / 3)", "synth", "1.3", "whitenoise", "mix", "vol", "0.7",
        ])
        try await checkAgainstSource(wav, in: folder)
    }

    /// `.wv` files made by the wavpack CLI are stored 1:1 and extract as wvunpack decodes them.
    @Test(arguments: [["-f"], ["-h"], ["-hh", "-x3"], ["--blocksize=4096"], ["--pair-unassigned-chans"]], [1, 2, 6])
    func wavpackFilesAreCopiedAndEqualWvunpack(_ arguments: [String], _ channels: Int) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/source.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "44100", "-b", "24", "-c", String(channels), wav, "synth", "2.5", "sine", "200-9000", "synth", "2.5", "pinknoise", "mix", "vol", "0.6"])
        let wv = folder.path + "/source.wv"
        try ProcessRunner.run(Self.wavpack, ["-q", "-y"] + arguments + [wav, "-o", wv])
        let (group, report) = try await importFile(wv, in: folder)
        #expect(report.copiedVerbatim)
        #expect(group.attributes["zarrwlr"]?["stream_check"]?["equal_to_reference"] == true)
        let blob = try group.array(RecordingLayout.blobArrayName)
        #expect(try blob.readBytes(0..<blob.shape[0]) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: wv))))
        let raw = folder.path + "/decoded.raw"
        try ProcessRunner.run(Self.wvunpack, ["-q", "-y", "--raw", "--normalize-floats", wv, "-o", raw])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        let reference = stride(from: 0, to: bytes.count, by: 3).map { k in Int32(bitPattern: UInt32(bytes[k]) << 8 | UInt32(bytes[k + 1]) << 16 | UInt32(bytes[k + 2]) << 24) >> 8 }
        let reader = try WavPackBackend().openWavPackRecording(group)
        let width = Int64(reader.channelCount)
        #expect(reader.totalSamples * width == Int64(reference.count))
        for range in ranges(total: reader.totalSamples, seed: UInt64(bytes.count)) {
            #expect(try reader.extractNative(range) == Array(reference[Int(range.lowerBound * width)..<Int(range.upperBound * width)]), "\(arguments) \(range)")
        }
    }

    @Test(arguments: [1, 7, 97, 10_000])
    func parallelIndexEqualsSequential(_ chunkBytes: Int) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/source.wav"
        // Finer chunks, shorter sources in smaller blocks: every case cuts ranges through many blocks.
        let (frames, blockSize) = chunkBytes == 1 ? (1_600, 128) : chunkBytes < 10 ? (4_800, 400) : chunkBytes < 1_000 ? (24_000, 2_000) : (144_000, 2_000)
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "4", wav, "synth", "\(frames)s", "pinknoise"])
        let wv = folder.path + "/source.wv"
        try ProcessRunner.run(Self.wavpack, ["-q", "-y", "--blocksize=\(blockSize)", wav, "-o", wv])
        // The blob stored in inner chunks of `chunkBytes`, so that ranges are cut that finely.
        let group = try ZarrGroup.create(in: MemoryStore(), at: "r")
        let writer = try BlobWriter(in: group, name: RecordingLayout.blobArrayName, shardBytes: chunkBytes * 4, innerChunkBytes: chunkBytes)
        try SourceFile.forEachPiece(wv) { piece throws(CodecError) in try writer.write(piece) }
        let blob = try BlobReader(try writer.finish())
        var sequentialOptions = IndexOptions()
        sequentialOptions.workers = 1
        sequentialOptions.rangeBytes = 1 << 30
        let (sequential, sequentialReport) = try await WavPackBackend().buildIndex(of: blob, options: sequentialOptions)
        #expect(sequential.count > 5)
        #expect(sequential.totalSamples == Int64(frames))
        for workers in [1, 2, 3, 8] {
            var options = IndexOptions()
            options.workers = workers
            options.rangeBytes = 1  // rounded up to one chunk
            let (parallel, report) = try await WavPackBackend().buildIndex(of: blob, options: options)
            #expect(parallel == sequential, "chunk \(chunkBytes), workers \(workers)")
            #expect(report == sequentialReport, "chunk \(chunkBytes), workers \(workers)")
        }
    }

    /// A copy is held to libwavpack's decode of the whole stream: tags and junk after the audio
    /// change nothing, and a file that arrives damaged is stored with libwavpack's errors named.
    @Test func copiesAreCheckedAgainstLibwavpacksWholeDecode() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/source.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "2", wav, "synth", "3", "sine", "300-3000"])
        let expected = try sourceSamples(wav)
        let tagged = folder.path + "/tagged.wv"
        try ProcessRunner.run(Self.wavpack, ["-q", "-y", "--blocksize=4800", "-w", "Title=dawn chorus", wav, "-o", tagged])
        var withJunk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tagged)))
        withJunk += Array(repeating: 0x41, count: 3000)
        let junk = folder.path + "/junk.wv"
        try Data(withJunk).write(to: URL(fileURLWithPath: junk))
        for file in [tagged, junk] {
            let (group, report) = try await importFile(file, in: folder)
            #expect(report.copiedVerbatim)
            let check = group.attributes["zarrwlr"]?["stream_check"]
            #expect(check?["equal_to_reference"] == true, "\(file)")
            #expect(check?["samples"]?.intValue == 144_000, "\(file)")
            let reader = try WavPackBackend().openWavPackRecording(group)
            #expect(try reader.extractNative(0..<reader.totalSamples) == expected, "\(file)")
        }
        // Damaged before import: stored, libwavpack's errors recorded, the damaged frame refused.
        var damaged = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tagged)))
        damaged[damaged.count / 2] ^= 0x55
        let broken = folder.path + "/broken.wv"
        try Data(damaged).write(to: URL(fileURLWithPath: broken))
        let (group, report) = try await importFile(broken, in: folder)
        #expect((group.attributes["zarrwlr"]?["stream_check"]?["decoding_errors"]?.intValue ?? 0) > 0)
        #expect(report.warnings.contains { $0.contains("libwavpack reports") })
    }

    @Test func damagedBlockIsReportedAndOtherFramesExtract() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/source.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "2", wav, "synth", "4", "sine", "300-3000"])
        let wv = folder.path + "/source.wv"
        try ProcessRunner.run(Self.wavpack, ["-q", "-y", "--blocksize=4800", wav, "-o", wv])
        let (group, _) = try await importFile(wv, in: folder)
        let before = try WavPackBackend().openWavPackRecording(group)
        let row = before.index.count / 2
        let array = try group.array(RecordingLayout.blobArrayName)
        let offset = Int(before.index.byteOffsets[row] + before.index.frameSizes[row] / 2)
        try array.write([try array.readBytes(offset..<offset + 1)[0] ^ 0x55], origin: [offset], shape: [1])
        #expect(try await !WavPackBackend().damagedRegions(in: group, options: IndexOptions()).isEmpty)
        let report = try await WavPackBackend().buildIndex(in: group, options: IndexOptions())
        #expect(report.rejected.values.reduce(0, +) > 0)
        let reader = try WavPackBackend().openWavPackRecording(group)
        let damaged = before.index.firstSamples[row]
        #expect(throws: CodecError.self) { try reader.extractNative(damaged..<damaged + 10) }
        let expected = try sourceSamples(wav)
        for range: Range<Int64> in [0..<4_800, (damaged + 20_000)..<(damaged + 30_000)] {
            #expect(try reader.extractNative(range) == Array(expected[Int(range.lowerBound * 2)..<Int(range.upperBound * 2)]))
        }
    }

    @Test func hybridFilesAreRefusedWithTheirCorrectionFileOrMarkedLossy() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/source.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "2", wav, "synth", "2", "pinknoise"])
        let hybrid = folder.path + "/hybrid.wv"
        try ProcessRunner.run(Self.wavpack, ["-q", "-y", "-b3", "-c", wav, "-o", hybrid])
        #expect(FileManager.default.fileExists(atPath: folder.path + "/hybrid.wvc"))
        let error = await #expect(throws: CodecError.self) { try await importFile(hybrid, in: folder) }
        #expect(error?.code == .unsupported)
        let lossy = folder.path + "/lossy.wv"
        try ProcessRunner.run(Self.wavpack, ["-q", "-y", "-b3", wav, "-o", lossy])
        let (group, report) = try await importFile(lossy, in: folder)
        #expect(report.warnings.contains { $0.contains("lossy") })
        #expect(group.attributes[RecordingLayout.attributeKey]?["lossy"] == true)
    }
}

