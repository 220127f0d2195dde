import AudioInput
import CodecCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import ZarrStore

/// The paths field users take, through the built `aimport`: float recordings, start times and
/// time zones, FLAC files with foreign metadata, folder layouts of several sites, FLAC streams
/// that only libFLAC may decode, and the messages of commands given wrongly. Each check compares
/// with an independent reader (libsndfile, the flac CLI) or with what the test wrote itself.
@Suite(.serialized) struct FieldPathCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    private func aimport(_ arguments: [String]) -> ProcessRunner.Result {
        ProcessRunner.outcome(Self.binary, arguments)
    }

    private func tool(_ name: String) -> String { ProcessRunner.which(name) ?? "/usr/bin/\(name)" }

    private func list(_ store: String) throws -> [JSONValue] {
        try JSONValue(parsing: Array(aimport(["list", "--store", store, "--json"]).standardOutput.utf8)).arrayValue ?? []
    }

    /// Every sample of a file as libsndfile reads it, as floats.
    private func floats(_ path: String) throws -> [Float] {
        let reader = try PCMFileReader(path: path)
        var all: [Float] = [], block: [Float] = []
        while try reader.readFloat(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return all
    }

    /// A float WAV beyond full scale: a ramp from -2.0 to +1.5 on each channel (shifted per channel).
    private func writeLoudFloatWAV(_ path: String, channels: Int, frames: Int = 9_000) throws -> [Float] {
        var samples = [Float](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            for c in 0..<channels {
                let position = Double((i + 997 * c) % frames) / Double(frames - 1)
                samples[i * channels + c] = Float(-2.0 + 3.5 * position)
            }
        }
        let writer = try PCMFileWriter(path: path, container: .wav, sampleRate: 48_000, channelCount: channels, bitsPerSample: nil)
        try writer.write(PCMBuffer(samples: .float32(samples), channelCount: channels, sampleRate: 48_000, bitsPerSample: 32))
        try writer.close()
        return samples
    }


    @Test(arguments: [1, 2, 3])
    func floatRecordingsExtractAsTheirFloatsAndNeverClipSilently(_ channels: Int) throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let source = try writeLoudFloatWAV(folder.path + "/loud.wav", channels: channels)
        #expect(aimport(["import", "--store", store, "--codec", "wavpack", folder.path + "/loud.wav"]).status == 0)

        // WAV and raw keep every float as it was, beyond full scale included.
        #expect(aimport(["extract", "--store", store, "0", "--start", "0", "--end", "9000", "--output", folder.path + "/x.wav"]).status == 0)
        #expect(try floats(folder.path + "/x.wav") == source)
        #expect(aimport(["extract", "--store", store, "0", "--start", "0", "--end", "9000", "--output", folder.path + "/x.raw"]).status == 0)
        let raw = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/x.raw"))
        #expect(raw.count == source.count * 4)
        #expect(raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } == source)

        // FLAC holds no floats: refused, naming --format, and no file is left.
        let flac = aimport(["extract", "--store", store, "0", "--start", "0", "--end", "9000", "--output", folder.path + "/x.flac"])
        #expect(flac.status == 64)
        #expect(flac.standardError.contains("--format s16"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/x.flac"))

        // Quantising when asked: the clipped samples are counted exactly and reported.
        let clippedInS16 = source.filter { ($0 * 32_768).rounded() > 32_767 || ($0 * 32_768).rounded() < -32_768 }.count
        let quantised = aimport(["extract", "--store", store, "0", "--start", "0", "--end", "9000", "--format", "s16", "--output", folder.path + "/q.flac"])
        #expect(quantised.status == 0)
        #expect(quantised.standardError.contains("\(clippedInS16) samples lay beyond full scale and were clipped"))
        let back = try floats(folder.path + "/q.flac")
        #expect(back.count == source.count)
        #expect(back.allSatisfy { $0 >= -1 && $0 < 1 })
    }

    /// A float recording holding an infinity or NaN: Opus cannot code it (libopus makes its frame
    /// silence), so the import is refused naming the frame; WavPack keeps it bit for bit.
    @Test func nonFiniteFloatsAreRefusedByOpusAndKeptByWavPack() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", wav = folder.path + "/odd.wav"
        var samples = (0..<4_800).map { Float(sin(Double($0) / 7) / 2) }
        samples[1_234] = .infinity
        samples[2_000] = .nan
        let writer = try PCMFileWriter(path: wav, container: .wav, sampleRate: 48_000, channelCount: 1, bitsPerSample: nil)
        try writer.write(PCMBuffer(samples: .float32(samples), channelCount: 1, sampleRate: 48_000, bitsPerSample: 32))
        try writer.close()
        let opus = aimport(["import", "--store", store, "--codec", "opus", wav])
        #expect(opus.status == 65, "\(opus.standardError)")
        #expect(opus.standardError.contains("frame 1234, channel 0, holds inf, not a finite number: Opus cannot code it"), "\(opus.standardError)")
        #expect(try list(store).isEmpty)
        #expect(aimport(["import", "--store", store, "--codec", "wavpack", wav]).status == 0)
        #expect(aimport(["extract", "--store", store, "0", "--start", "0", "--end", "4800", "--output", folder.path + "/x.wav"]).status == 0)
        #expect(try floats(folder.path + "/x.wav").map(\.bitPattern) == samples.map(\.bitPattern))
    }

    @Test func startTimeForManyFilesIsRefusedAndTimeZonesPlaceNaiveTimes() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let cards = folder.path + "/cards"
        try FileManager.default.createDirectory(atPath: cards, withIntermediateDirectories: true)
        try TestAudio.tone(cards + "/20250417_050000.WAV")
        try TestAudio.tone(cards + "/20250417_060000.WAV", frequency: 550)

        let folderRefused = aimport(["import", "--store", store, "--start-time", "2025-04-17T05:00:00Z", cards])
        #expect(folderRefused.status == 64)
        #expect(folderRefused.standardError.contains("--start-time gives one start to one file"))
        let filesRefused = aimport(["import", "--store", store, "--start-time", "2025-04-17T05:00:00Z", cards + "/20250417_050000.WAV", cards + "/20250417_060000.WAV"])
        #expect(filesRefused.status == 64)
        #expect(try list(store).isEmpty)

        #expect(aimport(["import", "--store", store, "--timezone", "Europe/Berlin", cards]).status == 0)
        let placed = try list(store)
        #expect(placed.map { $0["start_time"]?["iso8601"] } == ["2025-04-17T05:00:00+02:00", "2025-04-17T06:00:00+02:00"])
        #expect(placed.map { $0["start_time"]?["time_zone"] } == ["Europe/Berlin", "Europe/Berlin"])
        #expect(placed.map { $0["start_time"]?["local_time"] } == ["2025-04-17T05:00:00", "2025-04-17T06:00:00"])
        #expect(placed.allSatisfy { $0["start_time"]?["naive"] == nil })

        // `set` corrects many at once: a clock one hour fast, chosen by span.
        let shifted = aimport(["set", "--store", store, "--since", "2025-04-17T02:00:00Z", "--until", "2025-04-17T04:30:00Z", "--shift-start", "-3600"])
        #expect(shifted.status == 0, "\(shifted.standardError)")
        #expect(try list(store).map { $0["start_time"]?["iso8601"] } == ["2025-04-17T04:00:00+02:00", "2025-04-17T05:00:00+02:00"])
        // ... and a time zone for the wall-clock times as written, by id range.
        #expect(aimport(["set", "--store", store, "0-1", "--timezone", "-03:30"]).status == 0)
        let rezoned = try list(store)
        #expect(rezoned.map { $0["start_time"]?["iso8601"] } == ["2025-04-17T04:00:00-03:30", "2025-04-17T05:00:00-03:30"])
        #expect(rezoned.allSatisfy { ($0["history"]?.arrayValue?.count ?? 0) == 2 })
        #expect(aimport(["set", "--store", store, "0-1", "--start-time", "2025-04-17T05:00:00Z"]).status == 64)
        #expect(aimport(["import", "--store", store, "--timezone", "Mars/Olympus", cards]).status == 64)
    }

    /// File names in the hour the clocks go back (repeated) or forward (skipped) in the zone
    /// given are placed and the import says so: the first of two instants, or the clock before
    /// the change, with the way to move it.
    @Test func fileTimesAtAClockChangeArePlacedAndSaid() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", card = folder.path + "/card"
        try FileManager.default.createDirectory(atPath: card, withIntermediateDirectories: true)
        for (k, name) in ["20251026_023000.WAV", "20250330_023000.WAV"].enumerated() {
            try TestAudio.tone(card + "/" + name, seconds: 0.1, frequency: 300 + 100 * k)
        }
        let imported = aimport(["import", "--store", store, "--timezone", "Europe/Berlin", card])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("20251026_023000.WAV: the file name says 2025-10-26T02:30:00 occurs twice in Europe/Berlin"), "\(imported.standardError)")
        #expect(imported.standardError.contains("--shift-start 3600"), "\(imported.standardError)")
        #expect(imported.standardError.contains("20250330_023000.WAV: the file name says 2025-03-30T02:30:00 does not exist in Europe/Berlin"), "\(imported.standardError)")
        let starts = try list(store).map { $0["start_time"] }
        #expect(starts.map { $0?["iso8601"] } == ["2025-03-30T02:30:00+01:00", "2025-10-26T02:30:00+02:00"])
        #expect(starts.allSatisfy { $0?["clock_change"]?.stringValue != nil })
    }

    @Test func naiveTimesStayNaiveInSnippets() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let wav = folder.path + "/pettersson.wav"
        let samples = (0..<48_000).map { Int32(1000 * sin(Double($0) / 10)) }
        let guano = "GUANO|Version: 1.0\nMake: Pettersson\nModel: M500-384\nTimestamp: 2025-04-16T21:15:00\n"
        let writer = try PCMFileWriter(path: wav, container: .wav, sampleRate: 16_000, channelCount: 1, bitsPerSample: 16, provenance: .init(guano: guano, timestamp: nil))
        try writer.write(PCMBuffer(samples: .int32(samples), channelCount: 1, sampleRate: 16_000, bitsPerSample: 16))
        try writer.close()
        #expect(aimport(["import", "--store", store, wav]).status == 0)
        let start = try list(store).first?["start_time"]
        #expect(start?["iso8601"] == "2025-04-16T21:15:00")
        #expect(start?["source"] == "guano")
        #expect(start?["naive"] == true)
        #expect(aimport(["extract", "--store", store, "0", "--from", "1.5", "--duration", "1", "--output", folder.path + "/s.wav"]).status == 0)
        let chunks = try String(decoding: Data(contentsOf: URL(fileURLWithPath: folder.path + "/s.wav")), as: UTF8.self)
        #expect(chunks.contains("Timestamp: 2025-04-16T21:15:01.500000\n"))
        #expect(chunks.contains("Make: Pettersson"))
    }

    @Test(arguments: ["guano_before_data_384k.wav", "20250416_211500.WAV", "audiomoth_pykanto_20210502_040000.WAV"])
    func metadataKeptAsFLACForeignMetadataIsReadAsFromTheWAV(_ name: String) throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/" + name
        try FileManager.default.copyItem(atPath: Fixtures.path(name), toPath: wav)
        let flac = (wav as NSString).deletingPathExtension + ".flac"
        try ProcessRunner.run(tool("flac"), ["--silent", "--keep-foreign-metadata", "-o", flac, wav])
        #expect(aimport(["import", "--store", folder.path + "/wav.zarr", wav]).status == 0)
        #expect(aimport(["import", "--store", folder.path + "/flac.zarr", flac]).status == 0)
        let fromWAV = try list(folder.path + "/wav.zarr").first, fromFLAC = try list(folder.path + "/flac.zarr").first
        #expect(fromFLAC?["metadata"]?["guano"] == fromWAV?["metadata"]?["guano"])
        #expect(fromFLAC?["metadata"]?["audiomoth"] == fromWAV?["metadata"]?["audiomoth"])
        #expect(fromFLAC?["metadata"]?["riff_info"] == fromWAV?["metadata"]?["riff_info"])
        #expect(fromFLAC?["start_time"] == fromWAV?["start_time"])
        #expect(fromWAV?["metadata"]?["guano"] != nil || fromWAV?["metadata"]?["audiomoth"] != nil)
    }

    @Test func sitesStayApartAndDevicesAreMatchedByAnyName() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        for site in ["siteD", "siteE"] {
            try FileManager.default.createDirectory(atPath: folder.path + "/cards/" + site, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: PythonReference.packageRoot + "/Examples/recordings/20250416_000000.WAV", toPath: folder.path + "/cards/\(site)/20250416_000000.WAV")
        }
        #expect(aimport(["import", "--store", store, "--allow-duplicate", "--meta", #"{"device": "AM04"}"#, folder.path + "/cards/siteE/"]).status == 0)
        #expect(aimport(["import", "--store", store, "--allow-duplicate", folder.path + "/cards/siteD"]).status == 0)
        let listed = try list(store)
        #expect(listed.map { $0["source"]?["relative_path"] } == ["siteE/20250416_000000.WAV", "siteD/20250416_000000.WAV"])
        let table = aimport(["list", "--store", store]).standardOutput.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(table.first?[2] == "device")
        #expect(table.dropFirst().map { $0[2] } == ["AM04", "249C600363FA5E80"])

        // The AudioMoth id still finds recording 0 (its --meta device is AM04), in any case.
        let output = folder.path + "/span.wav"
        let found = aimport(["extract", "--store", store, "--at", "2025-04-16T00:00:00.5Z", "--duration", "0.5", "--device", "249c600363fa5e80", "--output", output])
        #expect(found.status == 64, "both recordings are of this AudioMoth and overlap: \(found.standardError)")
        #expect(found.standardError.contains("overlap by 2.000 s"))
        let one = aimport(["extract", "--store", store, "--at", "2025-04-16T00:00:00.5Z", "--duration", "0.5", "--device", "am04", "--output", output])
        #expect(one.status == 0, "\(one.standardError)")
    }

    @Test func overlapsAreMeasuredBetweenTheRecordingsNotTheSpan() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        try TestAudio.tone(folder.path + "/a.wav", seconds: 2)
        try TestAudio.tone(folder.path + "/b.wav", seconds: 2, frequency: 660)
        #expect(aimport(["import", "--store", store, "--start-time", "2025-04-16T00:00:00Z", folder.path + "/a.wav"]).status == 0)
        #expect(aimport(["import", "--store", store, "--start-time", "2025-04-16T00:00:01.5Z", folder.path + "/b.wav"]).status == 0)
        let overlap = aimport(["extract", "--store", store, "--at", "2025-04-16T00:00:01.3Z", "--duration", "0.4", "--output", folder.path + "/x.wav"])
        #expect(overlap.status == 64)
        #expect(overlap.standardError.contains("overlap by 0.500 s (0.200 s of it inside the span asked for)"), "\(overlap.standardError)")
    }

    /// A FLAC stream cut from a file without its fLaC header and STREAMINFO, starting at a frame.
    @Test func headerlessFLACIsNeverDecodedByAnotherDecoder() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        try TestAudio.tone(folder.path + "/t.wav", seconds: 2)
        try ProcessRunner.run(tool("flac"), ["--silent", "-o", folder.path + "/t.flac", folder.path + "/t.wav"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.path + "/t.flac")))
        var offset = 4
        while offset + 4 <= bytes.count {
            let last = bytes[offset] & 0x80 != 0
            offset += 4 + (Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
            if last { break }
        }
        #expect(bytes[offset] == 0xFF && bytes[offset + 1] & 0xFE == 0xF8)
        for name in ["headerless.flac", "headerless.bin"] {
            try Data(bytes[offset...]).write(to: URL(fileURLWithPath: folder.path + "/" + name))
            let result = aimport(["import", "--store", store, folder.path + "/" + name])
            #expect(result.status == 65, "\(name): \(result.standardError)")
            #expect(result.standardError.contains("only libFLAC decodes FLAC"))
        }
        #expect(try list(store).isEmpty)
    }

    @Test func messagesSayWhatIsWrongAndOutputsAreNotReplacedSilently() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        try TestAudio.tone(folder.path + "/t.wav")
        #expect(aimport(["import", "--store", store, folder.path + "/t.wav"]).status == 0)

        let typo = aimport(["imprt", "--store", store, folder.path + "/t.wav"])
        #expect(typo.status == 64)
        #expect(typo.standardError.contains("'imprt' is not a command. Did you mean 'import'?"))
        let negative = aimport(["extract", "--store", store, "0", "--from", "-1", "--duration", "1", "--output", folder.path + "/n.wav"])
        #expect(negative.status == 64)
        #expect(negative.standardError.contains("--from must be a number of seconds from 0"))
        // A count of parallel jobs or workers that would take the machine's memory is refused.
        for arguments in [["import", "--store", store, "--workers", "100000", folder.path + "/t.wav"], ["import", "--store", store, "--jobs", "0", folder.path + "/t.wav"],
                          ["extract", "--store", store, "0", "--start", "0", "--end", "10", "--workers", "257", "--output", folder.path + "/w.wav"]] {
            let refused = aimport(arguments)
            #expect(refused.status == 64)
            #expect(refused.standardError.contains("must be 1 to 256"), "\(refused.standardError)")
        }

        // extract: an existing output is kept unless --force; a folder is named as one.
        let output = folder.path + "/x.wav"
        #expect(aimport(["extract", "--store", store, "0", "--start", "0", "--end", "100", "--output", output]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        let again = aimport(["extract", "--store", store, "0", "--start", "0", "--end", "200", "--output", output])
        #expect(again.status == 73)
        #expect(again.standardError.contains("--force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == before)
        #expect(aimport(["extract", "--store", store, "0", "--start", "0", "--end", "200", "--output", output, "--force"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) != before)
        try FileManager.default.createDirectory(atPath: folder.path + "/clips.wav", withIntermediateDirectories: true)
        let intoFolder = aimport(["extract", "--store", store, "0", "--start", "0", "--end", "200", "--output", folder.path + "/clips.wav"])
        #expect(intoFolder.status == 73)
        #expect(intoFolder.standardError.contains("names a folder"))

        // export: a folder receives the original name; an existing file needs --force.
        try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
        #expect(aimport(["export", "--store", store, "0", "--output", folder.path + "/out/"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/out/t.wav")) == Data(contentsOf: URL(fileURLWithPath: folder.path + "/t.wav")))
        #expect(aimport(["export", "--store", store, "0", "--output", folder.path + "/out"]).status == 73)
        #expect(aimport(["export", "--store", store, "0", "--output", folder.path + "/out", "--force"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out") == ["t.wav"])

        for command in ["delete", "gc", "set", "extract", "import"] {
            let help = aimport([command, "--help"]).standardOutput
            #expect(!help.contains("\\"), "\(command) --help prints a backslash")
        }
        #expect(aimport(["import", "--help"]).standardOutput.contains("Print a JSON array"))
    }

    /// Ctrl-C: one line on stderr, exit 130, and nothing half-written visible.
    @Test func anInterruptedImportOrExtractLeavesNothingVisible() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        try TestAudio.tone(folder.path + "/small.wav")
        #expect(aimport(["import", "--store", store, folder.path + "/small.wav"]).status == 0)
        try TestAudio.tone(folder.path + "/long.wav", seconds: 300, rate: 96_000)

        let importing = try launch(["import", "--store", store, folder.path + "/long.wav"])
        try waitUntil { !((try? FileManager.default.contentsOfDirectory(atPath: store + "/.zarrwlr/staging")) ?? []).isEmpty }
        let imported = try interrupt(importing) {
            // Stopped with its staging folder there: the import has not committed.
            !((try? FileManager.default.contentsOfDirectory(atPath: store + "/.zarrwlr/staging")) ?? []).isEmpty
        }
        #expect(imported.status == 130)
        #expect(imported.standardError.split(separator: "\n").filter { !$0.isEmpty }.count == 1, "\(imported.standardError)")
        #expect(imported.standardError.contains("interrupted"))
        #expect(try list(store).map { $0["id"] } == ["0"])

        #expect(aimport(["import", "--store", store, folder.path + "/long.wav"]).status == 0)
        let extracting = try launch(["extract", "--store", store, "1", "--start", "0", "--end", "28800000", "--output", folder.path + "/all.wav"])
        let partial = { (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.first { $0.contains("zarrwlr-partial") } }
        try waitUntil { partial() != nil }
        let extracted = try interrupt(extracting) {
            // Stopped before its last byte (a WAV of 28,800,000 16-bit samples and a header):
            // the file cannot have been put in place.
            guard let name = partial(), let size = try? FileManager.default.attributesOfItem(atPath: folder.path + "/" + name)[.size] as? Int else { return false }
            return size < 57_600_000 && !FileManager.default.fileExists(atPath: folder.path + "/all.wav")
        }
        #expect(extracted.status == 130)
        #expect(extracted.standardError.contains("nothing was written"))
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("all.wav") || $0.hasPrefix(".all.wav") }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// Starts `aimport` without waiting for it (its standard error piped).
    private func launch(_ arguments: [String]) throws -> (process: Process, output: Pipe) {
        try ProcessRunner.launch(Self.binary, arguments, capturingStandardError: true)
    }

    /// Interrupts a running command deterministically: stops it (SIGSTOP), checks with
    /// `unfinished` that it is still mid-way, then sends SIGINT and lets it go on (SIGCONT), so the
    /// signal is there before it takes another step.
    private func interrupt(_ launched: (process: Process, output: Pipe), unfinished: () -> Bool) throws -> (status: Int32, standardError: String) {
        let pid = launched.process.processIdentifier
        kill(pid, SIGSTOP)
        try waitUntil { (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first == "T" }
        #expect(unfinished(), "the command finished before it could be stopped")
        kill(pid, SIGINT)
        kill(pid, SIGCONT)
        let text = String(decoding: launched.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        launched.process.waitUntilExit()
        return (launched.process.terminationStatus, text)
    }

    /// Polls `condition` every millisecond, for at most 60 s.
    private func waitUntil(_ condition: () -> Bool) throws {
        for _ in 0..<60_000 {
            if condition() { return }
            usleep(1_000)
        }
        Issue.record("the condition did not come true within 60 s")
    }

    /// An Ogg file of two chained Opus streams (3.8 s): imported with another codec, libsndfile
    /// decoded its first stream only (1.5 s, exit 0); now refused with every codec, naming the
    /// second stream's byte, and each stream alone imports whole. A stream cut off inside a page
    /// is imported with a warning.
    @Test func aChainedOggFileIsRefusedNotImportedInPart() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        var chain = Data()
        for (k, seconds) in ["1.5", "2.3"].enumerated() {
            let wav = folder.path + "/\(k).wav", opus = folder.path + "/\(k).opus"
            try ProcessRunner.run(tool("sox"), ["-R", "-n", "-r", "48000", "-b", "16", "-c", "2", wav, "synth", seconds, "sine", "440"])
            try ProcessRunner.run(tool("opusenc"), ["--quiet", wav, opus])
            chain += try Data(contentsOf: URL(fileURLWithPath: opus))
        }
        let chained = folder.path + "/chain.opus"
        try chain.write(to: URL(fileURLWithPath: chained))
        let firstStreamBytes = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/0.opus")).count
        for codec in [["--codec", "flac"], ["--codec", "wavpack"], []] {
            let refused = aimport(["import", "--store", store] + codec + [chained])
            #expect(refused.status == 65 && refused.standardError.contains("chained or multiplexed Ogg streams")
                    && refused.standardError.contains("begins at byte \(firstStreamBytes)"), "\(codec): \(refused.standardError)")
        }
        let parts = aimport(["import", "--store", store, "--codec", "flac", folder.path + "/0.opus", folder.path + "/1.opus"])
        #expect(parts.status == 0, "\(parts.standardError)")
        let listed = try JSONValue(parsing: Array(aimport(["list", "--store", store, "--json"]).standardOutput.utf8))
        #expect(listed.arrayValue?.compactMap { $0["total_samples"]?.intValue } == [72_000, 110_400])
        #expect(!parts.standardError.contains("declares"), "\(parts.standardError)")  // was "the header declares 9223372036854775807 frames"

        // An Ogg file cut off inside a page, or after a page that does not end the stream: an Ogg
        // stream states no length, so it was imported in part without a word, by either codec.
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/1.opus"))
        for (name, length) in [("inside.opus", whole.count / 2), ("complete.opus", firstStreamBytes)] {
            let cutOff = folder.path + "/" + name
            try Data((name == "complete.opus" ? chain : whole).prefix(length)).write(to: URL(fileURLWithPath: cutOff))
            for codec in [["--codec", "opus"], ["--codec", "flac"]] {
                let result = aimport(["import", "--store", store, "--allow-duplicate"] + codec + [cutOff])
                #expect(result.status == 0 && result.standardError.contains("\(name): the Ogg stream ends before its last page") == (name == "inside.opus"),
                        "\(name) \(codec): \(result.standardError)")
            }
        }
    }

    /// A Matroska file cut off after a third of its 20 s (as a copy or download that stopped):
    /// ffmpeg decodes what is there and exits 0, and the import kept 6.9 s as the recording with
    /// no word. As for a cut-off WAV, it is imported as far as it decodes, with a warning naming
    /// both lengths, kept in the recording's `import_warnings`; the whole file has no warning.
    @Test func aFileOnlyFFmpegReadsThatIsCutOffIsImportedWithAWarning() throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/long.wav", whole = folder.path + "/whole.mkv", cut = folder.path + "/cut.mkv", store = folder.path + "/a.zarr"
        try ProcessRunner.run(tool("sox"), ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", wav, "synth", "20", "pinknoise", "vol", "0.3"])
        try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-y", "-i", wav, "-c:a", "pcm_s24le", whole])
        try Data(try Data(contentsOf: URL(fileURLWithPath: whole)).prefix(1_000_000)).write(to: URL(fileURLWithPath: cut))
        let imported = aimport(["import", "--store", store, cut, whole])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("cut.mkv: the file states 20.000 s and decodes to") && imported.standardError.contains("File ended prematurely"),
                "\(imported.standardError)")
        #expect(!imported.standardError.contains("whole.mkv"), "\(imported.standardError)")
        let facts = try JSONValue(parsing: Array(aimport(["info", "--store", store, "0"]).standardOutput.utf8))
        #expect(facts["import_warnings"]?.arrayValue?.first?.stringValue?.contains("decodes to") == true)
        let wholeFacts = try JSONValue(parsing: Array(aimport(["info", "--store", store, "1"]).standardOutput.utf8))
        #expect(wholeFacts["total_samples"] == 960_000 && wholeFacts["import_warnings"] == nil)
    }

    /// ffmpeg reads a name before a colon as a protocol and one starting with "-" as an option:
    /// a file named `concat:a.mkv`, given as it is named, was imported as the 1 s of another
    /// file, `a.mkv` (with the sha256 of the 3 s file it was named for), exit 0; ffprobe took
    /// `-b.mkv` for an option, so its stated length and streams went unchecked. Each is the file
    /// of its name now.
    @Test func aFileWhoseNameLooksLikeAnFFmpegProtocolOrOptionIsThatFile() throws {
        let folder = TemporaryFolder()
        let short = folder.path + "/short.wav", long = folder.path + "/long.wav", store = folder.path + "/a.zarr"
        try ProcessRunner.run(tool("sox"), ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", short, "synth", "1", "sine", "440"])
        try ProcessRunner.run(tool("sox"), ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", long, "synth", "3", "sine", "880"])
        try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-y", "-i", short, "-c:a", "pcm_s24le", folder.path + "/a.mkv"])
        try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-y", "-i", long, "-c:a", "pcm_s24le", folder.path + "/long.mkv"])
        try ProcessRunner.run(tool("ffmpeg"), ["-v", "error", "-y", "-i", long, "-c:a", "pcm_s16le", folder.path + "/other.mkv"])
        try FileManager.default.copyItem(atPath: folder.path + "/long.mkv", toPath: folder.path + "/concat:a.mkv")
        try FileManager.default.copyItem(atPath: folder.path + "/other.mkv", toPath: folder.path + "/-b.mkv")
        let imported = ProcessRunner.outcome(Self.binary, ["import", "--store", store, "--", "concat:a.mkv", "-b.mkv"], in: folder.path)
        #expect(imported.status == 0, "\(imported.standardError)")
        for recording in try list(store) {
            #expect(recording["total_samples"] == 144_000, "\(recording)")
        }
        #expect(try list(store).count == 2)
    }

    /// What below a card's folder looks like a recording but cannot be imported (a file and a
    /// folder whose names are Latin-1, not UTF-8, as old cards write them; a link to a file that
    /// is gone) is reported as failed with the no-input exit code and the name escaped, never
    /// passed over: a user deleting the card after a clean run would lose it. The folder's
    /// other files are imported.
    @Test func aCardsUnnameableOrMissingFilesAreReportedNotSkipped() throws {
        let folder = TemporaryFolder()
        let card = folder.path + "/card", store = folder.path + "/a.zarr"
        try FileManager.default.createDirectory(atPath: card, withIntermediateDirectories: true)
        try TestAudio.tone(card + "/a.wav", seconds: 0.2)
        let latin1 = { (name: [UInt8]) in Array(card.utf8) + Array("/".utf8) + name + [0] }
        let file = latin1(Array("B".utf8) + [0xE4] + Array("ume.wav".utf8)), subfolder = latin1(Array("ordn".utf8) + [0xE9] + Array("r".utf8))
        #expect(subfolder.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { $0.baseAddress.map { mkdir($0, 0o755) } ?? -1 } } == 0)
        let tone = try Data(contentsOf: URL(fileURLWithPath: card + "/a.wav"))
        for path in [file, Array(subfolder.dropLast()) + Array("/x.wav".utf8) + [0]] {
            let written = path.withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { name -> Bool in
                    guard let stream = fopen(name.baseAddress, "wb") else { return false }
                    defer { fclose(stream) }
                    return tone.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, stream) } == tone.count
                }
            }
            #expect(written)
        }
        try FileManager.default.createSymbolicLink(atPath: card + "/c.wav", withDestinationPath: folder.path + "/gone.wav")
        let imported = aimport(["import", "--store", store, card])
        #expect(imported.status == 66, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("1 imported, 0 duplicate, 3 failed"), "\(imported.standardOutput)")
        for expected in [
            "aimport: \(card)/B\\xE4ume.wav: the file's name is not UTF-8", "aimport: \(card)/ordn\\xE9r: the folder's name is not UTF-8",
            "aimport: \(card)/c.wav: a link to '\(folder.path)/gone.wav', which does not exist",
        ] {
            #expect(imported.standardError.contains(expected), "\(imported.standardError)")
        }
        // The same file named on the command line (a shell passes its Latin-1 bytes; Swift sees
        // U+FFFD): the same refusal, not "cannot open: No such file or directory".
        let named = ProcessRunner.outcome("/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" import --store a.zarr \"$(printf 'card/B\\344ume.wav')\"", "sh", folder.path, Self.binary])
        #expect(named.status == 66 && named.standardError.contains("the file's name is not UTF-8"), "\(named.standardError)")
    }

    /// A WAV whose header was never finalised (its data chunk declares 0 bytes, the audio
    /// follows to the end, as a recorder leaves a file when its battery dies; in an RF64 file
    /// the data size of its ds64 chunk is 0) imports as the samples written, with a warning,
    /// and exports byte for byte; libsndfile alone reads it as empty (an import of 0 samples
    /// with exit 0, then lost with the card). The samples are checked against ffmpeg's decode of
    /// the file before its header was undone.
    @Test(arguments: ["wav", "wav, RIFF size 0 too", "rf64"])
    func aWAVWhoseHeaderWasNeverFinalisedImportsItsAudio(_ kind: String) throws {
        guard let ffmpeg = ProcessRunner.which("ffmpeg") else { Issue.record("ffmpeg is not installed"); return }
        let folder = TemporaryFolder()
        let wav = folder.path + "/20250416_040000.WAV", store = folder.path + "/a.zarr", clip = folder.path + "/clip.wav"
        try TestAudio.tone(folder.path + "/tone.wav", seconds: 0.5)
        func samples(_ file: String) throws -> Data {
            let raw = folder.path + "/samples.raw"
            try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", file, "-f", "s16le", raw])
            return try Data(contentsOf: URL(fileURLWithPath: raw))
        }
        let reference = try samples(folder.path + "/tone.wav")
        #expect(reference.count == 16_000)
        if kind == "rf64" {
            try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", folder.path + "/tone.wav", "-rf64", "always", "-c:a", "pcm_s16le", wav])
        } else {
            try FileManager.default.copyItem(atPath: folder.path + "/tone.wav", toPath: wav)
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: wav)))
        func chunk(_ id: String) -> Int? { (12..<bytes.count - 4).first { bytes[$0..<$0 + 4].elementsEqual(id.utf8) } }
        if kind == "rf64" {
            guard let ds64 = chunk("ds64") else { Issue.record("no ds64 chunk"); return }
            bytes.replaceSubrange(ds64 + 16..<ds64 + 32, with: [UInt8](repeating: 0, count: 16))  // data size and sample count
        } else {
            guard let data = chunk("data") else { Issue.record("no data chunk"); return }
            bytes.replaceSubrange(data + 4..<data + 8, with: [0, 0, 0, 0])
            if kind.contains("RIFF") { bytes.replaceSubrange(4..<8, with: [0, 0, 0, 0]) }
        }
        bytes += [0x2A]  // and a byte of a frame never completed
        try Data(bytes).write(to: URL(fileURLWithPath: wav))

        let imported = aimport(["import", "--store", store, wav])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("the header declares no audio, but 16001 bytes follow its data chunk"), "\(imported.standardError)")
        #expect(imported.standardOutput.contains("8000 samples"), "\(imported.standardOutput)")
        #expect(aimport(["extract", "--store", store, "0", "--start", "0", "--end", "8000", "--output", clip]).status == 0)
        #expect(try samples(clip) == reference)
        #expect(aimport(["export", "--store", store, "0", "--output", folder.path + "/out.wav"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/out.wav")) == Data(bytes))
    }
}

/// A local store's own folder: never followed through links, and commits made durable.
@Suite(.serialized) struct LocalStoreSafetyCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    private func aimport(_ arguments: [String]) -> ProcessRunner.Result {
        ProcessRunner.outcome(Self.binary, arguments)
    }

    /// A store holding recording 0, imported from a 0.2 s tone beside it.
    private func storeWithOneRecording() throws -> (folder: TemporaryFolder, store: String, tone: String) {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", tone = folder.path + "/t.wav"
        try TestAudio.tone(tone, seconds: 0.2)
        let imported = aimport(["import", "--store", store, tone])
        #expect(imported.status == 0, "\(imported.standardError)")
        return (folder, store, tone)
    }

    /// An import that cannot write the archive (here its staging folder is a plain file) fails
    /// with the storage exit code, and each file's error names that file first, then the path
    /// and the system's reason (not Foundation's "could not be completed"); nothing is added.
    @Test func aStorageFailureNamesTheSourceFileAndTheReason() throws {
        let (folder, store, _) = try storeWithOneRecording()
        let files = try TestAudio.tones(2, in: folder.path, seconds: 0.1, frequency: 300, step: 40)
        try FileManager.default.removeItem(atPath: store + "/.zarrwlr/staging")
        #expect(FileManager.default.createFile(atPath: store + "/.zarrwlr/staging", contents: Data()))
        let failed = aimport(["import", "--store", store, "--jobs", "2"] + files)
        #expect(failed.status == 74, "\(failed.standardError)")
        let lines = failed.standardError.split(separator: "\n").map(String.init)
        for file in files {
            let line = lines.first { $0.hasPrefix("aimport: \(file): ") }
            #expect(line?.contains("cannot create a staging folder: Not a directory") == true, "\(lines)")
        }
        let listed = aimport(["list", "--store", store])
        #expect(listed.standardOutput.split(separator: "\n").count == 2, "\(listed.standardOutput)")
    }

    /// A named pipe among a card's files (or a device named on the command line) is refused
    /// with the no-input exit code and what it is, instead of an import that waits for a writer
    /// forever; the card's real files are imported. (`timeout` ends a hanging run.)
    @Test func aPipeOrDeviceIsRefusedNotWaitedFor() throws {
        guard let timeout = ProcessRunner.which("timeout") else { Issue.record("timeout (coreutils) is not installed"); return }
        let folder = TemporaryFolder()
        let card = folder.path + "/card", store = folder.path + "/a.zarr"
        try FileManager.default.createDirectory(atPath: card, withIntermediateDirectories: true)
        try TestAudio.tone(card + "/a.wav", seconds: 0.2)
        #expect(mkfifo(card + "/b.wav", 0o644) == 0)
        let imported = ProcessRunner.outcome(timeout, ["60", Self.binary, "import", "--store", store, card])
        #expect(imported.status == 66, "\(imported.standardError)")
        #expect(imported.standardError.contains("aimport: \(card)/b.wav: a named pipe, not a file"), "\(imported.standardError)")
        #expect(imported.standardOutput.contains("1 imported, 0 duplicate, 1 failed"), "\(imported.standardOutput)")
        let device = ProcessRunner.outcome(timeout, ["60", Self.binary, "import", "--store", store, "/dev/zero"])
        #expect(device.status == 66, "\(device.standardError)")
        #expect(device.standardError.contains("/dev/zero: a character device, not a file"), "\(device.standardError)")
    }

    /// What an importer killed while writing its owner file leaves (an empty staging folder and
    /// the owner file not yet renamed into place) is removed by the next import: an owner file
    /// written through Foundation's atomic write left a `.dat.nosync...` file there instead,
    /// which nothing could tell as that staging's for an hour (a CI run found one).
    @Test func anOwnerFileCutShortIsRemovedWithItsStaging() throws {
        let (folder, store, _) = try storeWithOneRecording()
        let staging = store + "/.zarrwlr/staging", name = UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: staging + "/" + name, withIntermediateDirectories: true)
        // A pid no process has (above the kernel's pid_max).
        #expect(FileManager.default.createFile(atPath: staging + "/" + name + ".owner.pending-2147483000", contents: Data("{\"pid\": 1".utf8)))
        try TestAudio.tone(folder.path + "/u.wav", seconds: 0.1, frequency: 500)
        let imported = aimport(["import", "--store", store, folder.path + "/u.wav"])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)
    }

    @Test(arguments: [".zarrwlr/staging", ".zarrwlr", ".zarrwlr/trash", ".zarrwlr/deleted"])
    func aStoreWhoseInternalPathIsALinkIsRefusedAndNothingOutsideIsTouched(_ linked: String) throws {
        let (folder, store, tone) = try storeWithOneRecording()
        // Files outside the store, old enough for any clean-up to take them for leftovers.
        let outside = folder.path + "/precious"
        try FileManager.default.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: true)
        for name in ["a", "b.owner", "sub/c"] {
            try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/" + name))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: outside + "/" + name)
        }
        try? FileManager.default.removeItem(atPath: store + "/" + linked)
        try FileManager.default.createDirectory(atPath: ((store + "/" + linked) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: store + "/" + linked, withDestinationPath: outside)
        for command in [["verify", "--store", store], ["gc", "--store", store], ["import", "--store", store, tone], ["delete", "--store", store, "0"]] {
            let result = aimport(command)
            #expect(result.status == 65, "\(command[0]): \(result.standardError)")
            #expect(result.standardError.contains("is a symbolic link"), "\(command[0]): \(result.standardError)")
        }
        let left = FileManager.default.enumerator(atPath: outside)?.allObjects.compactMap { $0 as? String }.sorted() ?? []
        #expect(left == ["a", "b.owner", "sub", "sub/c"])
    }

    /// A crafted id far beyond any real one does not overflow the next id: the import goes on.
    @Test func aHugeDeletedIDDoesNotStopImports() throws {
        let (folder, store, tone) = try storeWithOneRecording()
        defer { withExtendedLifetime(folder) {} }  // the folder is removed when it goes
        try FileManager.default.createDirectory(atPath: store + "/.zarrwlr/deleted", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: store + "/.zarrwlr/deleted/9223372036854775807"))
        try FileManager.default.createDirectory(atPath: store + "/9223372036854775807", withIntermediateDirectories: true)
        let again = aimport(["import", "--store", store, "--allow-duplicate", tone])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput.contains("imported as 1"))
    }

    /// Crafted numbers in a recording's container description give a typed error, never a trap.
    @Test(arguments: [-5, -9_223_372_036_854_775_807, 9_223_372_036_854_775_807])
    func aCraftedContainerOffsetIsRefused(_ offset: Int) throws {
        let (folder, store, _) = try storeWithOneRecording()
        let metadata = store + "/0/zarr.json"
        var document = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: metadata))))
        guard case .object(var root) = document, case .object(var attributes)? = root["attributes"], case .object(var facts)? = attributes["zarrwlr"],
              case .object(var source)? = facts["source"], case .object(var container)? = source["container_bytes"] else {
            Issue.record("no container description")
            return
        }
        container["audio_offset"] = .int(Int64(offset))
        source["container_bytes"] = .object(container)
        facts["source"] = .object(source)
        attributes["zarrwlr"] = .object(facts)
        root["attributes"] = .object(attributes)
        document = .object(root)
        try Data(document.serialized()).write(to: URL(fileURLWithPath: metadata))
        let exported = aimport(["export", "--store", store, "0", "--output", folder.path + "/o.wav"])
        #expect(exported.status == 65, "\(exported.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/o.wav"))
    }

    /// The fsync discipline of a commit, read from the system calls of a real import (strace):
    /// outside the staging folder every file is fsynced before it is renamed into place; inside
    /// it (seen by nobody until the commit) every file and every folder whose entries changed is
    /// fsynced after its last change and before the staging folder's commit rename, and the
    /// archive folder after it; so a power cut leaves a recording complete or absent.
    @Test func aCommitIsDurableBeforeItIsVisible() throws {
        guard let strace = ProcessRunner.which("strace") else { Issue.record("strace is not installed (scripts/install-deps installs it)"); return }
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let tone = folder.path + "/t.wav"
        try TestAudio.tone(tone, seconds: 0.5)
        let trace = folder.path + "/trace"
        let traced = ProcessRunner.outcome(strace, ["-f", "-qq", "-o", trace, "-e", "trace=openat,fsync,rename,renameat,renameat2,mkdir,close", Self.binary, "import", "--store", store, tone])
        #expect(traced.status == 0, "\(traced.standardError)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
        // fd -> path, per process (strace -f prefixes the pid).
        var open: [String: String] = [:], synced = Set<String>()
        // Files and folders changed since their last fsync.
        var unsynced = Set<String>()
        var renamedUnsynced: [String] = [], commitChecked = false
        let stagingFolder = store + "/.zarrwlr/staging/"
        func argument(_ line: String, _ k: Int) -> String? {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            return quoted.count > 2 * k + 1 ? String(quoted[2 * k + 1]) : nil
        }
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : folder.path + "/" + path }
        func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
        for line in lines {
            let pid = String(line.prefix { $0 != " " })
            if line.contains("openat("), let path = argument(line, 0), let fd = line.split(separator: "=").last?.trimmingCharacters(in: .whitespaces), Int(fd) ?? -1 >= 0 {
                open[pid + ":" + fd] = absolute(path)
                if line.contains("O_CREAT") { unsynced.insert(parent(absolute(path))) }
            } else if line.contains("fsync("), let fd = line.split(separator: "(").dropFirst().first?.split(separator: ")").first, line.hasSuffix("= 0") {
                if let path = open[pid + ":" + fd] {
                    synced.insert(path)
                    unsynced.remove(path)
                }
            } else if line.contains("mkdir("), let path = argument(line, 0), line.hasSuffix("= 0") {
                unsynced.insert(parent(absolute(path)))
            } else if line.contains("rename"), let fromPath = argument(line, 0), let toPath = argument(line, 1), line.hasSuffix("= 0") {
                let from = absolute(fromPath), to = absolute(toPath)
                if parent(from) + "/" == stagingFolder && parent(to) == store {
                    let left = unsynced.filter { $0 == from || $0.hasPrefix(from + "/") }
                    #expect(left.isEmpty, "not fsynced before the commit rename: \(left.sorted())")
                    commitChecked = true
                    synced.remove(store)
                    continue
                }
                if from.contains(".zarrwlr-tmp-") {
                    if !synced.contains(from) && !from.hasPrefix(stagingFolder) { renamedUnsynced.append(from) }
                    if unsynced.contains(from) || !synced.contains(from) { unsynced.insert(to) } else { unsynced.remove(to) }
                }
                unsynced.remove(from)
                unsynced.insert(parent(from))
                unsynced.insert(parent(to))
            }
        }
        #expect(commitChecked, "no commit rename seen in the trace")
        #expect(renamedUnsynced.isEmpty, "renamed before fsync outside the staging folder: \(renamedUnsynced)")
        #expect(synced.contains(store), "the archive folder was not fsynced after the commit")
    }

    /// An import's cost does not grow with the archive: importing a new file and a duplicate into
    /// an archive of 12 recordings opens no other recording's metadata (strace), where a listing
    /// would open all 12.
    @Test func anImportOpensNoOtherRecording() throws {
        guard let strace = ProcessRunner.which("strace") else { Issue.record("strace is not installed (scripts/install-deps installs it)"); return }
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let files = try TestAudio.tones(13, in: folder.path, seconds: 0.1, frequency: 200, step: 50)
        for file in files.dropLast() { #expect(aimport(["import", "--store", store, file]).status == 0) }
        func recordingsOpened(importing file: String) throws -> (opened: Set<String>, output: String) {
            let (opened, result) = try recordingFolders(openedBy: ["import", "--store", store, "--json", file], in: store, strace: strace)
            #expect(result.status == 0, "\(result.standardError)")
            return (opened, result.standardOutput)
        }
        let fresh = try recordingsOpened(importing: files[12])
        #expect(fresh.opened.isEmpty, "a new file's import opened recordings \(fresh.opened.sorted())")
        #expect(try JSONValue(parsing: Array(fresh.output.utf8)).arrayValue?.first?["id"] == "12")
        let duplicate = try recordingsOpened(importing: files[5])
        #expect(duplicate.opened == ["5"], "a duplicate's import opened recordings \(duplicate.opened.sorted())")
        let answer = try JSONValue(parsing: Array(duplicate.output.utf8)).arrayValue?.first
        #expect(answer?["status"] == "duplicate" && answer?["id"] == "5", "\(duplicate.output)")
    }

    /// The recording folders of `store` (their ids) that `aimport arguments` opens anything in, read
    /// from its system calls (strace), and its outcome.
    private func recordingFolders(openedBy arguments: [String], in store: String, strace: String) throws -> (Set<String>, ProcessRunner.Result) {
        let trace = NSTemporaryDirectory() + "/zarrwlr-trace-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let result = ProcessRunner.outcome(strace, ["-f", "-qq", "-o", trace, "-e", "trace=openat", Self.binary] + arguments)
        var opened = Set<String>()
        for line in try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n") {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            guard quoted.count > 1, quoted[1].hasPrefix(store + "/") else { continue }
            let first = quoted[1].dropFirst(store.count + 1).split(separator: "/").first.map(String.init) ?? ""
            if Int(first) != nil { opened.insert(first) }
        }
        return (opened, result)
    }

    /// `extract --at` and `list --since/--until` read the recordings of the hours asked for (the
    /// time index), not every recording: in an archive of 10 recordings a day apart, each opens
    /// only the recording it is about, and gives what a full listing gives; an archive whose
    /// index is gone (made before it existed) is still answered right, and its next import
    /// starts the index again.
    @Test func timeQueriesReadOnlyTheRecordingsOfTheirHours() throws {
        guard let strace = ProcessRunner.which("strace") else { Issue.record("strace is not installed (scripts/install-deps installs it)"); return }
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        for k in 0..<10 {
            let file = folder.path + "/t\(k).wav"
            try TestAudio.tone(file, seconds: 2, frequency: 300 + 40 * k)
            #expect(aimport(["import", "--store", store, "--start-time", "2025-04-\(10 + k)T23:59:59Z", file]).status == 0)
        }
        let (listedOpened, listed) = try recordingFolders(openedBy: ["list", "--store", store, "--since", "2025-04-14T00:00:00.5Z", "--until", "2025-04-14T00:00:00.7Z", "--json"], in: store, strace: strace)
        #expect(listed.status == 0)
        #expect((try JSONValue(parsing: Array(listed.standardOutput.utf8)).arrayValue ?? []).compactMap { $0["id"]?.stringValue } == ["3"])
        #expect(listedOpened == ["3"], "list --since/--until opened recordings \(listedOpened.sorted())")
        let out = folder.path + "/span.wav"
        let (extractOpened, extracted) = try recordingFolders(openedBy: ["extract", "--store", store, "--at", "2025-04-15T00:00:00Z", "--duration", "0.5", "--output", out], in: store, strace: strace)
        #expect(extracted.status == 0, "\(extracted.standardError)")
        #expect(extractOpened == ["4"], "extract --at opened recordings \(extractOpened.sorted())")
        let direct = folder.path + "/direct.wav"
        #expect(aimport(["extract", "--store", store, "4", "--start", "16000", "--end", "24000", "--output", direct]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count == (try Data(contentsOf: URL(fileURLWithPath: direct))).count)

        // Without an index: the same answers from a full listing; the next import starts it again.
        try FileManager.default.removeItem(atPath: store + "/.zarrwlr/time")
        let unindexed = aimport(["list", "--store", store, "--since", "2025-04-14T00:00:00.5Z", "--until", "2025-04-14T00:00:00.7Z", "--json"])
        #expect((try JSONValue(parsing: Array(unindexed.standardOutput.utf8)).arrayValue ?? []).compactMap { $0["id"]?.stringValue } == ["3"])
        let late = folder.path + "/late.wav"
        try TestAudio.tone(late, seconds: 2, frequency: 2_000)
        #expect(aimport(["import", "--store", store, "--start-time", "2025-04-14T00:00:01Z", late]).status == 0)
        let (reindexedOpened, reindexed) = try recordingFolders(openedBy: ["list", "--store", store, "--since", "2025-04-14T00:00:00.5Z", "--until", "2025-04-14T00:00:01.5Z", "--json"], in: store, strace: strace)
        #expect((try JSONValue(parsing: Array(reindexed.standardOutput.utf8)).arrayValue ?? []).compactMap { $0["id"]?.stringValue } == ["3", "10"])
        #expect(reindexedOpened == ["3", "10"], "\(reindexedOpened.sorted())")
        // Moved and deleted recordings leave the hours they left.
        #expect(aimport(["set", "--store", store, "3", "--start-time", "2026-01-01T00:00:00Z"]).status == 0)
        #expect(aimport(["delete", "--store", store, "10"]).status == 0)
        let moved = aimport(["list", "--store", store, "--since", "2025-04-14T00:00:00.5Z", "--until", "2025-04-14T00:00:01.5Z", "--json"])
        #expect((try JSONValue(parsing: Array(moved.standardOutput.utf8)).arrayValue ?? []) == [])
        let there = aimport(["list", "--store", store, "--since", "2026-01-01T00:00:01Z", "--until", "2026-01-01T00:00:01.5Z", "--json"])
        #expect((try JSONValue(parsing: Array(there.standardOutput.utf8)).arrayValue ?? []).compactMap { $0["id"]?.stringValue } == ["3"])
    }

    /// The id counter and duplicate markers are hints, never trusted blindly: a counter behind
    /// the archive (a crash after a commit, an older writer), a marker naming a recording of
    /// another file, a marker of a recording never committed, and an archive made before they
    /// existed all give the next unused id and the right duplicate answer.
    @Test func aStaleCounterOrMarkerNeverReusesAnIdOrHidesADuplicate() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let files = try TestAudio.tones(4, in: folder.path, seconds: 0.1, frequency: 300, step: 70)
        #expect(aimport(["import", "--store", store, files[0], files[1]]).status == 0)
        let internalFolder = store + "/.zarrwlr"
        // As made before the registry: neither counter nor markers.
        try FileManager.default.removeItem(atPath: internalFolder + "/next_id")
        try FileManager.default.removeItem(atPath: internalFolder + "/sha256")
        #expect(aimport(["import", "--store", store, files[1]]).standardOutput.contains("duplicate of 1"))
        // A counter behind, and the marker of file 2 naming recording 0 (another file's).
        let sha2 = try SourceFile.sizeAndSHA256(files[2]).sha256
        try Data("0".utf8).write(to: URL(fileURLWithPath: internalFolder + "/next_id"))
        try Data("0".utf8).write(to: URL(fileURLWithPath: internalFolder + "/sha256/" + sha2))
        let third = aimport(["import", "--store", store, "--json", files[2]])
        #expect(try JSONValue(parsing: Array(third.standardOutput.utf8)).arrayValue?.first?["id"] == "2", "\(third.standardOutput)")
        #expect(aimport(["import", "--store", store, files[2]]).standardOutput.contains("duplicate of 2"))
        // A marker of a recording that never appeared (a crash before the commit rename).
        let sha3 = try SourceFile.sizeAndSHA256(files[3]).sha256
        try Data("7".utf8).write(to: URL(fileURLWithPath: internalFolder + "/sha256/" + sha3))
        let fourth = aimport(["import", "--store", store, "--json", files[3]])
        #expect(try JSONValue(parsing: Array(fourth.standardOutput.utf8)).arrayValue?.first?["id"] == "3", "\(fourth.standardOutput)")
        // Deleted, its id is not reused and its file is no duplicate any more.
        #expect(aimport(["delete", "--store", store, "3"]).status == 0)
        let again = aimport(["import", "--store", store, "--json", files[3]])
        #expect(try JSONValue(parsing: Array(again.standardOutput.utf8)).arrayValue?.first?["id"] == "4", "\(again.standardOutput)")
    }

    /// What a power cut after each step of `aimport arguments` on `store` would leave: the run is
    /// traced (strace), then replayed by `power_cut.py` against a model file system in which
    /// nothing is durable until fsynced; one folder per distinct state. The run itself goes on.
    private func powerCutStates(of arguments: [String], on store: String, in folder: TemporaryFolder, strace: String) throws -> [String] {
        let run = UUID().uuidString
        let before = folder.path + "/before-" + run, trace = folder.path + "/trace-" + run, out = folder.path + "/cuts-" + run
        try ProcessRunner.run("/bin/cp", ["-a", store, before])
        let traced = ProcessRunner.outcome(strace, [
            "-f", "-qq", "-y", "-xx", "-s", "100000000", "-o", trace, "-e",
            "trace=openat,write,pwrite64,fsync,fdatasync,rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,rmdir,link,linkat",
            Self.binary] + arguments)
        #expect(traced.status == 0, "\(arguments): \(traced.standardError)")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let replay = ProcessRunner.outcome(try PythonReference.interpreter(), [
            PythonReference.packageRoot + "/Tests/ZarrwlrArchiveTests/power_cut.py", before, trace, store, out])
        #expect(replay.status == 0, "\(replay.standardError)")
        try? FileManager.default.removeItem(atPath: trace)
        let states = try JSONValue(parsing: Array(replay.standardOutput.utf8)).arrayValue ?? []
        return states.compactMap { $0["folder"]?.stringValue }
    }

    /// Power cut at every step of an import, a start change, an index rebuild and a deletion
    /// (replayed, see ``powerCutStates(of:on:in:strace:)``): after each, the archive opens, lists
    /// no damaged recording, every recording verifies, nothing committed before the run is lost
    /// (but the one deleted), no recording appears that the run did not make, and a new import
    /// gets an id that is neither a recording nor a remembered deletion there.
    @Test func aPowerCutAtAnyStepLeavesEveryCommittedRecordingComplete() throws {
        guard let strace = ProcessRunner.which("strace") else { Issue.record("strace is not installed (scripts/install-deps installs it)"); return }
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let files = try TestAudio.tones(3, in: folder.path, seconds: 0.3, frequency: 500, step: 100)
        #expect(aimport(["import", "--store", store, "--start-time", "2025-04-16T05:00:00Z", files[0]]).status == 0)
        let probe = folder.path + "/probe.wav"
        try TestAudio.tone(probe, seconds: 0.2, frequency: 3_000)
        func ids(_ archive: String) throws -> [String] {
            let listed = aimport(["list", "--store", archive, "--json"])
            #expect(listed.status == 0, "\(archive): \(listed.standardError)")
            let recordings = try JSONValue(parsing: Array(listed.standardOutput.utf8)).arrayValue ?? []
            for recording in recordings where recording["damaged"] != nil { Issue.record("\(archive): damaged \(recording)") }
            return recordings.compactMap { $0["id"]?.stringValue }
        }
        let runs: [(arguments: [String], deletes: String?)] = [
            (["import", "--store", store, "--start-time", "2025-04-16T06:00:00Z", files[1]], nil),
            (["set", "--store", store, "0", "--start-time", "2025-04-17T05:00:00Z", "--meta", #"{"site": "B"}"#], nil),
            (["index", "--store", store, "1"], nil),
            (["import", "--store", store, files[2]], nil),
            (["delete", "--store", store, "0"], "0"),
        ]
        var checked = 0
        for (arguments, deleted) in runs {
            let before = Set(try ids(store))
            let states = try powerCutStates(of: arguments, on: store, in: folder, strace: strace)
            let after = Set(try ids(store))
            #expect(!states.isEmpty)
            for state in states {
                let present = Set(try ids(state))
                #expect(before.subtracting([deleted].compactMap { $0 }).isSubset(of: present), "\(arguments) cut \(state): lost \(before.subtracting(present))")
                #expect(present.isSubset(of: before.union(after)), "\(arguments) cut \(state): unexpected \(present.subtracting(before.union(after)))")
                let verified = aimport(["verify", "--store", state])
                #expect(verified.status == 0, "\(arguments) cut \(state): \(verified.standardOutput)")
                let taken = present.union((try? FileManager.default.contentsOfDirectory(atPath: state + "/.zarrwlr/deleted")) ?? [])
                let imported = aimport(["import", "--store", state, "--json", probe])
                let id = try JSONValue(parsing: Array(imported.standardOutput.utf8)).arrayValue?.first?["id"]?.stringValue ?? "?"
                #expect(imported.status == 0 && !taken.contains(id), "\(arguments) cut \(state): the next import took id \(id) (taken: \(taken.sorted()))")
                checked += 1
            }
        }
        #expect(checked >= runs.count)
    }
}
