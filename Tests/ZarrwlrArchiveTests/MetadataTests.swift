import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import ZarrwlrArchive

/// Bioacoustic metadata from real file layouts; expected values are the fixtures' documented
/// contents (Tests/Fixtures/README.md and the shared testdata MANIFEST).
@Suite struct MetadataTests {
    /// A local time in the hour a clock change repeats names two instants, the earlier taken
    /// and said; one in the hour a change skips names none, taken as the clock before the change
    /// showed it. The changes by the zones' published rules: the EU at 01:00 UTC on the last
    /// Sundays of March and October, the US at 02:00 local on the first Sunday of November, Lord
    /// Howe Island half an hour back at 02:00 local on the first Sunday of April.
    @Test(arguments: [
        ("Europe/Berlin", "2025-10-26T02:30:00", ["2025-10-26T00:30:00Z", "2025-10-26T01:30:00Z"]),
        ("Europe/Berlin", "2025-03-30T02:30:00", []),
        ("Europe/Berlin", "2025-06-01T12:00:00", ["2025-06-01T10:00:00Z"]),
        ("America/New_York", "2025-11-02T01:30:00", ["2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z"]),
        ("Australia/Lord_Howe", "2025-04-06T01:45:00", ["2025-04-05T14:45:00Z", "2025-04-05T15:15:00Z"]),
        ("+02:00", "2025-10-26T02:30:00", ["2025-10-26T00:30:00Z"]),
    ])
    func aLocalTimeAClockChangeRepeatsOrSkipsIsSaid(_ zoneName: String, _ text: String, _ expected: [String]) throws {
        let zone = try #require(TimeZoneSpec(zoneName)), local = try #require(LocalTime(text))
        let instants = local.instants(in: zone)
        #expect(instants.map(\.secondsSinceEpoch) == expected.compactMap { Instant($0)?.secondsSinceEpoch })
        #expect((local.clockChange(in: zone) != nil) == (expected.count != 1))
        if let first = instants.first {
            #expect(local.instant(in: zone) == first)
        } else {
            // Skipped: the clock before the change, an hour behind the one after it.
            #expect(local.instant(in: zone).secondsSinceEpoch == (Instant(text + "+01:00")?.secondsSinceEpoch ?? 0))
        }
    }

    @Test func audioMothFirmware16CommentWithTimeZoneAndNotes() {
        let result = RecordingMetadata.read(from: Fixtures.path("20250416_211500.WAV"), user: nil, startTime: nil)
        let moth = result["metadata"]?["audiomoth"]
        #expect(moth?["device_id"] == "249C600363FA5E80")
        #expect(moth?["gain"] == "medium-high")
        #expect(moth?["battery_v"] == 3.6)
        #expect(moth?["temperature_c"] == 8.5)
        #expect(moth?["notes"]?.arrayValue?.last == "Recording stopped due to low voltage")
        #expect(result["start_time"] == ["iso8601": "2025-04-16T21:15:00+01:00", "source": "audiomoth_comment"])
    }

    @Test func ffmpegRewrittenAudioMothComment() {
        let result = RecordingMetadata.read(from: Fixtures.path("audiomoth_pykanto_20210502_040000.WAV"), user: nil, startTime: nil)
        #expect(result["metadata"]?["audiomoth"]?["gain"] == "medium")
        #expect(result["metadata"]?["audiomoth"]?["gain_setting"] == 2)
        #expect(result["metadata"]?["audiomoth"]?["battery_v"] == 4.2)
        #expect(result["metadata"]?["riff_info"]?["ISFT"] == "Lavf57.83.100")
        #expect(result["start_time"]?["iso8601"] == "2021-05-02T04:00:00Z")
    }

    @Test func guanoBeforeDataWinsOverTheFileName() {
        let result = RecordingMetadata.read(from: Fixtures.path("guano_before_data_384k.wav"), user: nil, startTime: nil)
        let guano = result["metadata"]?["guano"]
        #expect(guano?["Make"] == "Open Acoustic Devices")
        #expect(guano?["Loc Position"] == "51.7520 -1.3350")
        #expect(guano?["ORG|Project"] == "test-data")
        #expect(result["start_time"] == ["iso8601": "2025-04-16T00:00:00Z", "source": "guano"])
    }

    /// A 0.2 s WAV made by sox with a chunk `id` of `payload` appended after its audio (as
    /// Pettersson and Wildlife Acoustics recorders append theirs), the RIFF size patched.
    private func wavWithChunk(_ path: String, _ id: String, _ payload: [UInt8]) throws {
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", ["-n", "-r", "48000", "-b", "16", "-c", "1", path, "synth", "0.2", "sine", "500"])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes += Array(id.utf8) + withUnsafeBytes(of: UInt32(payload.count).littleEndian) { Array($0) } + payload + (payload.count % 2 == 1 ? [0] : [])
        bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: UInt32(bytes.count - 8).littleEndian) { Array($0) })
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aTimeExpandedRecordingIsSaidAtImport() async throws {
        let folder = TemporaryFolder()
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        for (name, te, said) in [("te10.wav", "10", true), ("te1.wav", "1", false)] {
            let path = folder.path + "/" + name
            try wavWithChunk(path, "guan", Array("GUANO|Version: 1.0\nTE: \(te)\nTimestamp: 2024-06-01T21:00:00-05:00\n".utf8))
            guard case .imported(_, let report) = try await archive.importFile(path) else {
                Issue.record("\(name) did not import")
                continue
            }
            let warning = report.warnings.first { $0.hasPrefix("a time-expanded recording") }
            #expect((warning != nil) == said, "\(report.warnings)")
            if said { #expect(warning?.contains("GUANO TE 10") == true && warning?.contains("48000 Hz") == true && warning?.contains("recorded at 480000 Hz") == true, "\(warning ?? "")") }
        }
    }

    /// A WAV with a Wildlife Acoustics "wamd" chunk of `fields` (16-bit id, 32-bit length, value).
    private func wavWithWAMD(_ path: String, _ fields: [(UInt16, String)]) throws {
        try wavWithChunk(path, "wamd", fields.flatMap { id, text in
            let value = Array(text.utf8)
            return withUnsafeBytes(of: id.littleEndian) { Array($0) } + withUnsafeBytes(of: UInt32(value.count).littleEndian) { Array($0) } + value
        })
    }

    /// Song Meter and Echo Meter files before GUANO: the wamd chunk's model, serial and
    /// timestamp (with its offset an instant, without one naive), cut short or not.
    @Test func wildlifeAcousticsWAMDGivesTheRecorderAndTheStart() throws {
        let folder = TemporaryFolder()
        let stated = folder.path + "/S4U01234_20190601_213000.wav"
        try wavWithWAMD(stated, [(0x01, "SM4BAT-FS"), (0x02, "S4U01234"), (0x03, "2.2.1"), (0x05, "2019-06-01 21:30:00-05:00"), (0xFFFF, "\0")])
        var result = RecordingMetadata.read(from: stated, user: nil, startTime: nil)
        #expect(result["metadata"]?["wamd"]?["model"] == "SM4BAT-FS")
        #expect(result["metadata"]?["wamd"]?["serial"] == "S4U01234")
        #expect(result["metadata"]?["wamd"]?["firmware"] == "2.2.1")
        // The timestamp states its offset: it wins over the file name's naive time.
        #expect(result["start_time"] == ["iso8601": "2019-06-01T21:30:00-05:00", "source": "wamd"])

        let naive = folder.path + "/recording.wav"
        try wavWithWAMD(naive, [(0x01, "SM3BAT"), (0x05, "2014-04-02 22:59:14.000")])
        result = RecordingMetadata.read(from: naive, user: nil, startTime: nil, timeZone: TimeZoneSpec("+02:00"))
        #expect(result["start_time"]?["iso8601"] == "2014-04-02T22:59:14+02:00")
        #expect(result["start_time"]?["source"] == "wamd")
        #expect(result["start_time"]?["local_time"] == "2014-04-02T22:59:14")

        // A field whose length runs past the chunk ends the reading; the fields before it stay.
        var payload: [UInt8] = [1, 0, 6, 0, 0, 0] + Array("SM2BAT".utf8) + [2, 0, 200, 0, 0, 0] + Array("S2".utf8)
        #expect(WildlifeAcousticsMetadata(payload)?.fields == ["model": "SM2BAT"])
        payload = [5, 0, 9, 0, 0, 0] + Array("yesterday".utf8)
        #expect(WildlifeAcousticsMetadata(payload)?.startTime == nil)
        #expect(WildlifeAcousticsMetadata([1, 0, 9]) == nil)
    }

    @Test func guanoAfterTheDataChunkAndBextAndPrecedence() throws {
        let folder = TemporaryFolder()
        // A GUANO chunk appended after the audio, as Pettersson and Wildlife Acoustics write it.
        let wav = folder.path + "/20240601_053000.wav"
        try wavWithChunk(wav, "guan", Array("GUANO|Version: 1.0\nTimestamp: 2018-07-12T01:18:04\nNABAT|Grts Id: 94086\n".utf8))
        var result = RecordingMetadata.read(from: wav, user: nil, startTime: nil)
        #expect(result["metadata"]?["guano"]?["NABAT|Grts Id"] == "94086")
        // A Timestamp without an offset (as NABat exports write it) is a local time: kept naive.
        #expect(result["start_time"]?["iso8601"] == "2018-07-12T01:18:04")
        #expect(result["start_time"]?["source"] == "guano")
        #expect(result["start_time"]?["naive"] == true)
        // ... unless the zone is named.
        result = RecordingMetadata.read(from: wav, user: nil, startTime: nil, timeZone: TimeZoneSpec("-07:00"))
        #expect(result["start_time"] == ["iso8601": "2018-07-12T01:18:04-07:00", "source": "guano", "time_zone": "-07:00", "local_time": "2018-07-12T01:18:04"])
        // The user's start time beats everything.
        result = RecordingMetadata.read(from: wav, user: ["site": "A"], startTime: "2024-06-01T05:30:00+02:00")
        #expect(result["start_time"]?["source"] == "user")
        #expect(result["metadata"]?["user"] == ["site": "A"])

        // bext written by ffmpeg; without GUANO or AudioMoth it is the start time's source.
        let plain = folder.path + "/plain.wav", broadcast = folder.path + "/20240601_053000_bwf.wav"
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", ["-n", "-r", "48000", "-b", "16", "-c", "1", plain, "synth", "0.2", "sine", "500"])
        try ProcessRunner.run(ProcessRunner.which("ffmpeg") ?? "/usr/bin/ffmpeg", [
            "-v", "error", "-y", "-i", plain, "-write_bext", "1", "-metadata", "originator=Song Meter",
            "-metadata", "origination_date=2024-06-01", "-metadata", "origination_time=05:31:07", broadcast])
        result = RecordingMetadata.read(from: broadcast, user: nil, startTime: nil)
        #expect(result["metadata"]?["bext"]?["originator"] == "Song Meter")
        #expect(result["start_time"]?["iso8601"] == "2024-06-01T05:31:07")
        #expect(result["start_time"]?["source"] == "bext")
        #expect(result["start_time"]?["naive"] == true)

        // Nothing in the file: the file name's time, naive (local time of unknown zone).
        result = RecordingMetadata.read(from: plain, user: nil, startTime: nil)
        #expect(result["start_time"] == nil)
        let named = folder.path + "/SMU04077_20240601_053000.wav"
        try FileManager.default.copyItem(atPath: plain, toPath: named)
        result = RecordingMetadata.read(from: named, user: nil, startTime: nil)
        #expect(result["start_time"]?["iso8601"] == "2024-06-01T05:30:00")
        #expect(result["start_time"]?["naive"] == true)
        #expect(RecordingMetadata.fileNameTime("/x/20250416_000000.WAV") == "2025-04-16T00:00:00")
        #expect(RecordingMetadata.fileNameTime("/x/SITE_B_20250416_013000.wav") == "2025-04-16T01:30:00")
        #expect(RecordingMetadata.fileNameTime("/x/20251399_000000.WAV") == nil)
        #expect(RecordingMetadata.fileNameTime("/x/20250416_0000001.WAV") == nil)
        #expect(RecordingMetadata.fileNameTime("/x/20250416_000000.WAV").flatMap(Instant.init) == nil)

        // Frontier Labs' BAR-LT: ISO 8601's basic form with the offset, before "_REC".
        let barLT = [
            ("20191026T000000+1000_REC.flac", "2019-10-26T00:00:00+10:00", true),
            ("DUVAL-DRYA-20210419T000000+1000_REC.flac", "2021-04-19T00:00:00+10:00", true),
            ("20200801T063000-0330_REC.wav", "2020-08-01T06:30:00-03:30", true),
            ("20200801T063000Z.wav", "2020-08-01T06:30:00Z", true),
            ("20200801T063000.wav", "2020-08-01T06:30:00", false),
        ]
        for (file, time, statesZone) in barLT {
            #expect(RecordingMetadata.fileNameTime("/x/" + file) == time, "\(file)")
            #expect((RecordingMetadata.fileNameTime("/x/" + file).flatMap(Instant.init) != nil) == statesZone, "\(file)")
        }
        // The extended form with the colons written as "-", "_" or "." (no zone: a naive time).
        let extended = [
            ("Rec_2025-04-16_04-30-00.wav", "2025-04-16T04:30:00"), ("2025-04-16 04.30.00.flac", "2025-04-16T04:30:00"),
            ("site3-2024-12-31T23_59_59.wav", "2024-12-31T23:59:59"), ("2025-04-16_04-30-00_001.WAV", "2025-04-16T04:30:00"),
        ]
        for (file, time) in extended {
            #expect(RecordingMetadata.fileNameTime("/x/" + file) == time, "\(file)")
            #expect(RecordingMetadata.fileNameTime("/x/" + file).flatMap(Instant.init) == nil, "\(file)")
        }
        for file in ["2025-04-16_04-30.00.wav", "2025-04-16_04-30-001.wav", "12025-04-16_04-30-00.wav", "2025-02-30_04-30-99.wav", "2025-04-16_24-00-00.wav"] {
            #expect(RecordingMetadata.fileNameTime("/x/" + file) == nil, "\(file)")
        }
        // SoundTrap: "<serial>.<YYMMDDHHMMSS>.wav", no zone.
        #expect(RecordingMetadata.fileNameTime("/x/5380.201015123456.wav") == "2020-10-15T12:34:56")
        #expect(RecordingMetadata.fileNameTime("/x/671399976.191231235959.WAV") == "2019-12-31T23:59:59")
        for file in ["5380.2010151234567.wav", "5380.201315123456.wav", "x5380.201015123456.wav", "5380.201015123456.wav.bak.log"] {
            #expect(RecordingMetadata.fileNameTime("/x/" + file) == nil, "\(file)")
        }
        #expect(RecordingMetadata.fileNameTime("/x/20200801T0630001.wav") == nil)
        #expect(RecordingMetadata.fileNameTime("/x/20201301T063000+1000_REC.wav") == nil)
        let stated = folder.path + "/20191026T000000+1000_REC.wav"
        try FileManager.default.copyItem(atPath: plain, toPath: stated)
        result = RecordingMetadata.read(from: stated, user: nil, startTime: nil, timeZone: TimeZoneSpec("Europe/Berlin"))
        #expect(result["start_time"]?["iso8601"] == "2019-10-26T00:00:00+10:00")
        #expect(result["start_time"]?["source"] == "file_name")
        #expect(result["start_time"]?["naive"] == nil)
    }
}
