import ZarrwlrArchive
import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// Every source keeps its level: lossy and float inputs are never normalised. The reference is
/// ffmpeg's decode of the same file.
@Suite struct LevelFidelityTests {
    /// A quiet field-like signal (two tones and noise), peak about `peak`.
    static func writeFloatWAV(_ path: String, peak: Float, seconds: Double = 2, rate: Int = 48_000, channels: Int = 1) throws {
        var generator = SeededGenerator(state: 7)
        let frames = Int(Double(rate) * seconds)
        var samples = [Float](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            let t = Double(i) / Double(rate)
            for c in 0..<channels {
                let noise = Double(Int64(bitPattern: generator.next() >> 11) - (1 << 52)) / Double(1 << 52)
                let value = 0.5 * sin(2 * .pi * (440 + 100 * Double(c)) * t) + 0.3 * sin(2 * .pi * 3_100 * t) + 0.2 * noise
                samples[i * channels + c] = Float(value) * peak
            }
        }
        let writer = try PCMFileWriter(path: path, container: .wav, sampleRate: rate, channelCount: channels, bitsPerSample: nil)
        try writer.write(PCMBuffer(samples: .float32(samples), channelCount: channels, sampleRate: rate, bitsPerSample: 32))
    }

    private static func tool(_ name: String) -> String { ProcessRunner.which(name) ?? "/usr/bin/\(name)" }

    /// Lossy encodings of a quiet source, made by the reference encoders.
    static func lossySource(_ kind: String, peak: Float, in folder: TemporaryFolder) throws -> String {
        let wav = folder.path + "/quiet-\(kind).wav"
        try writeFloatWAV(wav, peak: peak)
        let output = folder.path + "/quiet.\(kind)"
        switch kind {
        case "opus": try ProcessRunner.run(tool("opusenc"), ["--quiet", "--bitrate", "96", wav, output])
        case "ogg": try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-nostdin", "-y", "-i", wav, "-c:a", "libvorbis", "-q:a", "5", output])
        case "mp3": try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-nostdin", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "192k", output])
        case "m4a": try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-nostdin", "-y", "-i", wav, "-c:a", "aac", "-b:a", "192k", output])
        default: return wav
        }
        return output
    }

    private func importAndExtract(_ path: String, codec: String, in folder: TemporaryFolder) async throws -> (samples: [Float], facts: JSONValue?) {
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/\(codec)-\((path as NSString).lastPathComponent).zarr")
        guard case .imported(let id, _) = try await archive.importFile(path, codec: CodecID(codec)) else {
            Issue.record("not imported")
            return ([], nil)
        }
        let reader = try archive.reader(for: id)
        let buffer = try reader.extract(0..<reader.totalSamples, as: .float32)
        guard case .float32(let samples) = buffer.samples else { return ([], nil) }
        return (samples, try archive.recording(id).attributes[RecordingLayout.attributeKey])
    }

    @Test(arguments: ["opus", "ogg", "mp3", "m4a"])
    func lossySourceStoredAsFLACKeepsItsLevel(_ kind: String) async throws {
        let folder = TemporaryFolder()
        let source = try Self.lossySource(kind, peak: 0.034, in: folder)
        let reference = try ReferenceDecoders.ffmpegFloats(source)
        let (ours, facts) = try await importAndExtract(source, codec: "flac", in: folder)
        let difference = ReferenceDecoders.rmsDecibels(ours) - ReferenceDecoders.rmsDecibels(reference)
        print("level \(kind) -> FLAC: ours \(ReferenceDecoders.rmsDecibels(ours)) dB RMS, ffmpeg \(ReferenceDecoders.rmsDecibels(reference)) dB, difference \(difference) dB")
        #expect(abs(difference) < 0.1)
        #expect(abs(ReferenceDecoders.peakDecibels(ours) - ReferenceDecoders.peakDecibels(reference)) < 0.5)
        let pcm = facts?["source"]?["pcm"] ?? facts?["encoding"]
        #expect(facts?["bits_per_sample"] == 16)
        #expect(pcm?["lossy_source"] == true || facts?["source"]?["decoded_by"] == "ffmpeg")
    }

    @Test(arguments: ["opus", "mp3"])
    func lossySourceStoredAsOpusKeepsItsLevel(_ kind: String) async throws {
        let folder = TemporaryFolder()
        let source = try Self.lossySource(kind, peak: 0.034, in: folder)
        let reference = try ReferenceDecoders.ffmpegFloats(source)
        let (ours, _) = try await importAndExtract(source, codec: "opus", in: folder)
        let difference = ReferenceDecoders.rmsDecibels(ours) - ReferenceDecoders.rmsDecibels(reference)
        print("level \(kind) -> Opus: difference \(difference) dB RMS")
        #expect(abs(difference) < 0.5)
    }

    @Test func quietFloatWAVStoredAsOpusKeepsItsLevel() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/quiet.wav"
        try Self.writeFloatWAV(wav, peak: 0.003)
        let reference = try ReferenceDecoders.ffmpegFloats(wav)
        let (ours, facts) = try await importAndExtract(wav, codec: "opus", in: folder)
        let difference = ReferenceDecoders.rmsDecibels(ours) - ReferenceDecoders.rmsDecibels(reference)
        print("level float WAV (\(ReferenceDecoders.rmsDecibels(reference)) dB RMS) -> Opus: difference \(difference) dB")
        #expect(abs(difference) < 0.5)
        #expect(facts?["source"]?["pcm"]?["level_scaling"] == "none")
    }

    /// A loud float source whose lossy decode overshoots full scale: FLAC clips at 16 bits and
    /// says how many samples it clipped, never rescaling the rest.
    @Test func clippingOfALossyDecodeIsCountedAndReported() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/loud.wav"
        try Self.writeFloatWAV(wav, peak: 1.6)
        let mp3 = folder.path + "/loud.mp3"
        try ProcessRunner.run(Self.tool("ffmpeg"), ["-v", "error", "-nostdin", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "192k", mp3])
        let reference = try ReferenceDecoders.ffmpegFloats(mp3)
        let (ours, facts) = try await importAndExtract(mp3, codec: "flac", in: folder)
        let clipped = facts?["source"]?["pcm"]?["clipped_samples"]?.intValue ?? 0
        let referenceClipped = reference.filter { $0 >= 32767 / 32768 || $0 < -1 }.count
        print("clipping: \(clipped) samples clipped, ffmpeg's decode has \(referenceClipped) beyond full scale")
        #expect(clipped > 0)
        #expect(facts?["import_warnings"]?.arrayValue?.contains { $0.stringValue?.contains("clipped") == true } == true)
        // Below full scale the levels are untouched: the quiet part's level equals the reference.
        let quiet = { (x: [Float]) in x.filter { abs($0) < 0.5 } }
        #expect(abs(ReferenceDecoders.rmsDecibels(quiet(ours)) - ReferenceDecoders.rmsDecibels(quiet(reference))) < 0.1)
    }
}
