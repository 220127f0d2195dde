import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// AudioMoth's triggered recordings (T.WAV): the firmware stores each run of buffers in which
/// nothing triggered as one 512-byte marker. The files here are written as AudioMoth-Firmware-Basic's
/// recording loop writes them (main.c: the header over the first buffer, a run of skipped full
/// buffers as one marker before the next written buffer, a trailing run not written at all); the
/// expected samples are the recorded signal with the skipped buffers as zeros, as AudioMoth-Utils'
/// expander (DURATION) gives them.
@Suite(.serialized) struct AudioMothTriggeredTests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"
    /// NUMBER_OF_SAMPLES_IN_BUFFER: 256 KiB of external SRAM, 2-byte samples, 8 buffers.
    static let bufferSamples = 16_384
    static let headerBytes = 488
    static let rate = 48_000
    static let triggeredComment = "Recorded at 00:00:00 16/04/2025 (UTC) by AudioMoth 24F319055FDF2D1D at medium gain while battery was 4.2V and temperature was 20.1C. Amplitude threshold was 0.5% with 1s minimum trigger duration."

    private func aimport(_ arguments: [String]) -> ProcessRunner.Result {
        ProcessRunner.outcome(Self.binary, arguments)
    }

    private func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// The firmware's file for `written` (one flag per buffer: written, or nothing triggered)
    /// and what its expansion holds.
    private func triggeredRecording(_ written: [Bool], comment: String, marker: ((Int) -> Int)? = nil) -> (file: [UInt8], expanded: [Int16]) {
        var random = SplitMix64(seed: 7)
        let signal = (0..<written.count * Self.bufferSamples).map { _ in Int16(truncatingIfNeeded: Int(random.next() % 6001) - 3000) }
        func bytes(_ samples: ArraySlice<Int16>) -> [UInt8] { samples.flatMap { le(Int($0), 2) } }
        var data: [UInt8] = [], expanded: [Int16] = [], pendingBlocks = 0, silence: [Int16] = []
        let headerSamples = Self.headerBytes / 2
        for (k, isWritten) in written.enumerated() {
            let buffer = signal[(k * Self.bufferSamples)..<((k + 1) * Self.bufferSamples)]
            if !isWritten && k > 0 {
                pendingBlocks += Self.bufferSamples * 2 / 512
                silence += [Int16](repeating: 0, count: Self.bufferSamples)
                continue
            }
            if pendingBlocks > 0 {
                let count = marker?(pendingBlocks) ?? pendingBlocks
                data += (0..<32).flatMap { le((count >> $0) & 1 == 1 ? 1 : -1, 2) } + [UInt8](repeating: 0, count: 512 - 64)
                pendingBlocks = 0
                expanded += silence
                silence = []
            }
            let audio = k == 0 ? buffer.dropFirst(headerSamples) : buffer
            data += bytes(audio)
            expanded += audio
        }
        let guano = Array("GUANO|Version: 1.0\nMake: Open Acoustic Devices\nModel: AudioMoth\n".utf8)
        let info = Array("INFO".utf8) + Array("ICMT".utf8) + le(384, 4) + Array(comment.utf8) + [UInt8](repeating: 0, count: 384 - comment.utf8.count)
            + Array("IART".utf8) + le(32, 4) + Array("AudioMoth 24F319055FDF2D1D".utf8) + [UInt8](repeating: 0, count: 6)
        let format = Array("fmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2) + le(Self.rate, 4) + le(Self.rate * 2, 4) + le(2, 2) + le(16, 2)
        let body = format + Array("LIST".utf8) + le(info.count, 4) + info + Array("data".utf8) + le(data.count, 4) + data
            + Array("guan".utf8) + le(guano.count, 4) + guano
        let file = Array("RIFF".utf8) + le(4 + body.count, 4) + Array("WAVE".utf8) + body
        precondition(Array(file[(Self.headerBytes - 8)..<(Self.headerBytes - 4)]) == Array("data".utf8), "the header is the firmware's 488 bytes")
        return (file, expanded)
    }

    /// Every sample of the WAV at `path`, as libsndfile reads it.
    private func samples(_ path: String) throws -> [Int32] {
        let reader = try PCMFileReader(path: path)
        var all: [Int32] = [], block: [Int32] = []
        while try reader.read(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return all
    }

    /// Imports the triggered recording `path` as recording 0 of `store` and checks that the import
    /// says it (naming the file as `said`), that the whole recording is `expanded`, and that by
    /// wall-clock time the buffer written after the first silence starts at its own time (the
    /// data's first sample at the comment's time, as the expander takes it).
    private func expectExpandedImport(
        of path: String, saying said: String, expanded: [Int16], store: String, in folder: TemporaryFolder, importOptions: [String] = []
    ) throws {
        let imported = aimport(["import", "--store", store] + importOptions + [path])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("an AudioMoth triggered recording (\(said)): its 3 silent periods"), "\(imported.standardError)")
        #expect(aimport(["extract", "--store", store, "0", "--output", folder.path + "/all.wav"]).status == 0)
        #expect(try samples(folder.path + "/all.wav") == expanded.map(Int32.init))
        let third = 3 * Self.bufferSamples - Self.headerBytes / 2
        let at = String(format: "2025-04-16T00:00:%09.6fZ", Double(third) / Double(Self.rate))
        let byTime = aimport(["extract", "--store", store, "--at", at, "--duration", "0.1", "--output", folder.path + "/at.wav"])
        #expect(byTime.status == 0, "\(byTime.standardError)")
        let clip = try samples(folder.path + "/at.wav")
        #expect(!clip.isEmpty && Array(expanded[third..<(third + clip.count)].map(Int32.init)) == clip)
    }

    /// Written, skipped twice, written, skipped, written twice, skipped three times, written, and
    /// a run of skipped buffers at the end (which the firmware does not write).
    static let pattern = [true, false, false, true, false, true, true, false, false, false, true, false, false]

    @Test func aTriggeredRecordingIsExpandedSoThatEverySampleLiesAtItsTime() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", path = folder.path + "/20250416_000000T.WAV"
        let (file, expanded) = triggeredRecording(Self.pattern, comment: Self.triggeredComment)
        try Data(file).write(to: URL(fileURLWithPath: path))
        // libsndfile reads the file's own samples: fewer, and the markers among them.
        #expect(try samples(path).count < expanded.count)

        try expectExpandedImport(of: path, saying: "T.WAV", expanded: expanded, store: store, in: folder)

        // export cannot give the T.WAV back, and says why.
        let export = aimport(["export", "--store", store, "0", "--output", folder.path + "/back.wav"])
        #expect(export.status == 64 && export.standardError.contains("triggered AudioMoth WAV (expanded) file whose container was not kept (its 3 silent periods"), "\(export.standardError)")
    }

    /// A lossless encoder that keeps a WAV's chunks: its tool's arguments (the WAV and the output
    /// path appended), the file extension and how the import names such a file.
    struct ChunkKeepingEncoder: Sendable, CustomStringConvertible {
        let tool: String
        let arguments: [String]
        let fileExtension: String
        let said: String
        let container: String
        var description: String { tool }

        /// Encodes `wav` into `output` with the tool.
        func encode(_ wav: String, to output: String) throws {
            let outputArguments = tool == "flac" ? ["-o", output, wav] : [wav, "-o", output]
            try ProcessRunner.run(ProcessRunner.which(tool) ?? "/usr/bin/\(tool)", arguments + outputArguments)
        }
    }

    static let chunkKeepingEncoders = [
        ChunkKeepingEncoder(tool: "flac", arguments: ["--silent", "--keep-foreign-metadata"], fileExtension: "flac",
                            said: "T.WAV encoded as FLAC with its WAV chunks", container: "triggered AudioMoth WAV in FLAC (expanded)"),
        ChunkKeepingEncoder(tool: "wavpack", arguments: ["-q", "-y"], fileExtension: "wv",
                            said: "T.WAV encoded as WavPack", container: "triggered AudioMoth WAV in WavPack (expanded)"),
    ]

    /// A T.WAV encoded by `flac --keep-foreign-metadata` or `wavpack` (to save space on the way from
    /// the card): the file keeps the WAV's chunks and the data chunk's samples, markers among them.
    @Test(arguments: chunkKeepingEncoders)
    func aTriggeredRecordingEncodedWithItsChunksIsExpandedToo(_ encoder: ChunkKeepingEncoder) throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", wav = folder.path + "/20250416_000000T.WAV"
        let encoded = folder.path + "/20250416_000000T." + encoder.fileExtension
        let (file, expanded) = triggeredRecording(Self.pattern, comment: Self.triggeredComment)
        try Data(file).write(to: URL(fileURLWithPath: wav))
        try encoder.encode(wav, to: encoded)

        try expectExpandedImport(of: encoded, saying: encoder.said, expanded: expanded, store: store, in: folder)
        let export = aimport(["export", "--store", store, "0", "--output", folder.path + "/back." + encoder.fileExtension])
        #expect(export.status == 64 && export.standardError.contains(encoder.container), "\(export.standardError)")

        // The same recording without a trigger in its comment is the file as it is, described by
        // the chunks it keeps: the comment's start (with its zone) and the GUANO after the audio.
        let untriggered = Self.triggeredComment.replacingOccurrences(of: " Amplitude threshold was 0.5% with 1s minimum trigger duration.", with: "")
        let plainWAV = folder.path + "/plain.wav", plain = folder.path + "/plain." + encoder.fileExtension
        try Data(triggeredRecording(Self.pattern, comment: untriggered).file).write(to: URL(fileURLWithPath: plainWAV))
        try encoder.encode(plainWAV, to: plain)
        let importedPlain = aimport(["import", "--store", store, plain])
        #expect(importedPlain.status == 0 && !importedPlain.standardError.contains("triggered"), "\(importedPlain.standardError)")
        let info = try JSONValue(parsing: Array(aimport(["info", "--store", store, "1"]).standardOutput.utf8))
        #expect(info["encoding"]?["copied_verbatim"] == .bool(true))
        #expect(info["start_time"]?["iso8601"]?.stringValue == "2025-04-16T00:00:00Z" && info["start_time"]?["source"]?.stringValue == "audiomoth_comment", "\(info)")
        #expect(info["metadata"]?["guano"]?["Model"]?.stringValue == "AudioMoth", "\(info)")
    }

    /// A T.WAV encoded by `flac` alone keeps none of its chunks (no comment, no data offset):
    /// named as AudioMoth names it, its markers are found by their pattern and expanded; the same
    /// FLAC file under another name is copied as it is.
    @Test func aTriggeredRecordingEncodedWithoutItsChunksIsFoundByItsMarkers() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", wav = folder.path + "/20250416_000000T.WAV", flac = folder.path + "/20250416_000000T.flac"
        let (file, expanded) = triggeredRecording(Self.pattern, comment: Self.triggeredComment)
        try Data(file).write(to: URL(fileURLWithPath: wav))
        try ProcessRunner.run(ProcessRunner.which("flac") ?? "/usr/bin/flac", ["--silent", "-o", flac, wav])
        // The file name's time has no zone; the recorder's comment, which had one, is gone.
        try expectExpandedImport(
            of: flac, saying: "T.WAV encoded as FLAC without its WAV chunks, its markers found by their pattern", expanded: expanded,
            store: store, in: folder, importOptions: ["--timezone", "UTC"])

        let renamed = folder.path + "/copy.flac"
        try FileManager.default.copyItem(atPath: flac, toPath: renamed)
        let other = aimport(["import", "--store", store, "--allow-duplicate", renamed])
        #expect(other.status == 0 && !other.standardError.contains("triggered"), "\(other.standardError)")
        let info = try JSONValue(parsing: Array(aimport(["info", "--store", store, "1"]).standardOutput.utf8))
        let fileSamples = try samples(wav).count
        #expect(info["encoding"]?["copied_verbatim"] == .bool(true) && info["total_samples"]?.intValue == fileSamples)
    }

    @Test func aRecordingThatStatesNoTriggerIsImportedAsItIs() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", path = folder.path + "/plain.wav"
        let untriggered = Self.triggeredComment.replacingOccurrences(of: " Amplitude threshold was 0.5% with 1s minimum trigger duration.", with: "")
        let (file, _) = triggeredRecording(Self.pattern, comment: untriggered)
        try Data(file).write(to: URL(fileURLWithPath: path))
        let imported = aimport(["import", "--store", store, path])
        #expect(imported.status == 0 && !imported.standardError.contains("triggered"), "\(imported.standardError)")
        #expect(aimport(["extract", "--store", store, "0", "--output", folder.path + "/all.wav"]).status == 0)
        #expect(try samples(folder.path + "/all.wav") == samples(path))
        #expect(aimport(["export", "--store", store, "0", "--output", folder.path + "/back.wav"]).status == 0)
        #expect(FileManager.default.contents(atPath: folder.path + "/back.wav") == Data(file))
    }

    @Test func markersThatStandForMoreThanARecordingAreRefused() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", path = folder.path + "/20250416_000000T.WAV"
        let (file, _) = triggeredRecording(Self.pattern, comment: Self.triggeredComment, marker: { _ in 0x7FFF_FFFF })
        try Data(file).write(to: URL(fileURLWithPath: path))
        let imported = aimport(["import", "--store", store, path])
        #expect(imported.status == 65, "\(imported.standardError)")
        #expect(imported.standardError.contains("20250416_000000T.WAV") && imported.standardError.contains("silence markers stand for more"), "\(imported.standardError)")
        #expect(aimport(["list", "--store", store]).standardOutput.split(separator: "\n").count <= 1)
    }
}
