import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// Selection and detection tables through the built `aimport`: rows placed sample-exactly (the
/// documented rounding: nearest sample, halves up), unplaceable rows reported by line, the Raven
/// export read back to the same rows, and clips compared sample by sample with the sources as
/// libsndfile reads them.
@Suite(.serialized) struct AnnotationCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    private func aimport(_ arguments: [String], standardInput: Data? = nil) -> ProcessRunner.Result {
        ProcessRunner.outcome(Self.binary, arguments, standardInput: standardInput)
    }

    /// Two recordings named as AudioMoth names them: 20 s at 48 kHz stereo and 15 s at 96 kHz mono.
    private func archive(in folder: TemporaryFolder, timezone: String? = nil) throws -> String {
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "2", folder.path + "/20250416_043000.WAV", "synth", "20", "pinknoise", "vol", "0.3"])
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "96000", "-b", "16", "-c", "1", folder.path + "/20250416_050000.WAV", "synth", "15", "sine", "300-9000"])
        let store = folder.path + "/s.zarr"
        let result = aimport(["import", "--store", store] + (timezone.map { ["--timezone", $0] } ?? []) + [folder.path + "/20250416_043000.WAV", folder.path + "/20250416_050000.WAV"])
        #expect(result.status == 0, "\(result.standardError)")
        return store
    }

    private func samples(_ path: String) throws -> (values: [Int32], channels: Int) {
        let reader = try PCMFileReader(path: path)
        var all: [Int32] = [], block: [Int32] = []
        while try reader.read(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return (all, reader.channelCount)
    }

    /// The rows of a layer as its CSV export gives them: first sample, end sample, recording, label.
    private func csvRows(_ store: String, _ layer: String) -> [[String]] {
        let text = aimport(["annotate", "export", "--store", store, "--layer", layer, "--format", "csv", "--output", "-"]).standardOutput
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return [fields[0], fields[1], fields[2], fields[9], fields[7], fields[8]]
        }
    }

    private func nearest(_ seconds: Double, _ rate: Int) -> Int64 { Int64((seconds * Double(rate) + 0.5).rounded(.down)) }

    @Test func aRavenTableIsPlacedSampleExactlyRoundTripsThroughItsExportAndGivesExactClips() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        // Raven writes each selection once per view; offsets that fall between samples.
        let table = """
            Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tFile Offset (s)\tSpecies\tNotes
            1\tWaveform 1\t1\t1.2345678\t2.5\t1000\t8000\t20250416_043000.WAV\t1.2345678\tTurdus merula\tloud
            1\tSpectrogram 1\t1\t1.2345678\t2.5\t1000\t8000\t20250416_043000.WAV\t1.2345678\tTurdus merula\tloud
            2\tSpectrogram 1\t2\t19.9\t20.0\t200\t900\t20250416_043000.WAV\t19.9\tParus major\t
            3\tSpectrogram 1\t1\t21.00001\t23.75\t500\t4000\t20250416_050000.WAV\t1.00001\tErithacus rubecula\tfar
            """
        try table.write(toFile: folder.path + "/manual.txt", atomically: true, encoding: .utf8)
        let imported = aimport(["annotate", "import", "--store", store, "--layer", "manual", folder.path + "/manual.txt"])
        #expect(imported.status == 0, "\(imported.standardError)")
        let expected = [
            ["0", String(nearest(1.2345678, 48_000)), String(nearest(1.2345678 + 1.2654322, 48_000)), "Turdus merula", "1000.000", "8000.000"],
            ["0", String(nearest(19.9, 48_000)), String(nearest(20.0, 48_000)), "Parus major", "200.000", "900.000"],
            ["1", String(nearest(1.00001, 96_000)), String(nearest(1.00001 + 2.74999, 96_000)), "Erithacus rubecula", "500.000", "4000.000"],
        ]
        #expect(csvRows(store, "manual") == expected)

        // The Raven export, imported again, gives the same rows.
        #expect(aimport(["annotate", "export", "--store", store, "--layer", "manual", "--output", folder.path + "/export.txt"]).status == 0)
        let export = try String(contentsOfFile: folder.path + "/export.txt", encoding: .utf8)
        #expect(export.split(separator: "\n").first?.split(separator: "\t").prefix(10).joined(separator: "|")
            == "Selection|View|Channel|Begin Time (s)|End Time (s)|Low Freq (Hz)|High Freq (Hz)|Begin File|File Offset (s)|Species")
        #expect(aimport(["annotate", "import", "--store", store, "--layer", "again", folder.path + "/export.txt"]).status == 0)
        #expect(csvRows(store, "again") == expected)
        // Begin Time runs on across the files: the second file's row starts 20 s later.
        let third = export.split(separator: "\n")[3].split(separator: "\t").map(String.init)
        #expect(third[3] == "21.000010417" && third[8] == "1.000010417")

        // A layer of that name is not replaced without --replace; the layers are listed.
        #expect(aimport(["annotate", "import", "--store", store, "--layer", "manual", folder.path + "/manual.txt"]).status == 73)
        #expect(aimport(["annotate", "list", "--store", store]).standardOutput.split(separator: "\n").count == 3)

        // Clips: the rows' samples with 0.25 s on either side (cut at the recording's end), as in the source.
        let clips = aimport(["extract", "--store", store, "--layer", "manual", "--pad", "0.25", "--output-dir", folder.path + "/clips"])
        #expect(clips.status == 0, "\(clips.standardError)")
        let written = clips.standardOutput.split(separator: "\n").map(String.init)
        #expect(written.map { ($0 as NSString).lastPathComponent } == [
            String(format: "Turdus merula_0_%.3f.wav", Double(nearest(1.2345678, 48_000) - 12_000) / 48_000),
            String(format: "Parus major_0_%.3f.wav", Double(nearest(19.9, 48_000) - 12_000) / 48_000),
            String(format: "Erithacus rubecula_1_%.3f.wav", Double(nearest(1.00001, 96_000) - 24_000) / 96_000),
        ])
        let sources = [try samples(folder.path + "/20250416_043000.WAV"), try samples(folder.path + "/20250416_050000.WAV")]
        for (k, path) in written.enumerated() {
            let row = expected[k], source = sources[Int(row[0]) ?? 0]
            let rate: Int64 = row[0] == "0" ? 48_000 : 96_000
            let first = max(0, (Int64(row[1]) ?? 0) - rate / 4), end = min(Int64(source.values.count / source.channels), (Int64(row[2]) ?? 0) + rate / 4)
            let clip = try samples(path)
            #expect(clip.channels == source.channels)
            #expect(clip.values == Array(source.values[Int(first) * source.channels..<Int(end) * source.channels]), "\(path)")
            let bytes = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            #expect(bytes.contains("Species Manual ID: \(row[3])") && bytes.contains("zarrwlr|Low Freq: \(Double(row[4]) ?? 0)"))
        }
        let filtered = aimport(["extract", "--store", store, "--layer", "manual", "--where", "label == \"Parus major\" and high_hz < 1000", "--output-dir", folder.path + "/one"])
        #expect(filtered.standardOutput.split(separator: "\n").count == 1)
        let bad = aimport(["extract", "--store", store, "--layer", "manual", "--where", "colour == 3", "--output-dir", folder.path + "/none"])
        #expect(bad.status == 64 && bad.standardError.contains("'colour' is not a field"))
    }

    /// `-` is standard input wherever a table or a ranges file is read (a pipe, read twice
    /// through a copy), and messages call it that; an audio import refuses it, importing nothing.
    @Test func standardInputIsATableOrARangesFileButNeverAnImport() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let table = "Selection\tBegin Time (s)\tEnd Time (s)\tSpecies\n1\t1.25\t2.5\tTurdus merula\n2\t10\t10.5\tParus major\n"
        try table.write(toFile: folder.path + "/calls.txt", atomically: true, encoding: .utf8)
        #expect(aimport(["annotate", "import", "--store", store, "--layer", "filed", "--recording", "0", folder.path + "/calls.txt"]).status == 0)
        let piped = aimport(["annotate", "import", "--store", store, "--layer", "piped", "--recording", "0", "-"], standardInput: Data(table.utf8))
        #expect(piped.status == 0, "\(piped.standardError)")
        #expect(csvRows(store, "piped") == csvRows(store, "filed"))
        #expect(csvRows(store, "piped").count == 2)
        #expect(aimport(["annotate", "list", "--store", store]).standardOutput.contains("piped\t2\t1\t2\tstandard input\t"))
        let bad = aimport(["annotate", "import", "--store", store, "--layer", "bad", "--recording", "0", "-"], standardInput: Data((table + "3\t11\tsoon\tPica pica\n").utf8))
        #expect(bad.status == 65)
        #expect(bad.standardError.contains("standard input: line 4: 'soon'"), "\(bad.standardError)")

        let ranges = "0 4800\n# a comment\n96000 96100\n"
        try ranges.write(toFile: folder.path + "/ranges.txt", atomically: true, encoding: .utf8)
        #expect(aimport(["extract", "--store", store, "0", "--ranges", folder.path + "/ranges.txt", "--output", folder.path + "/filed.raw"]).status == 0)
        let fromPipe = aimport(["extract", "--store", store, "0", "--ranges", "-", "--output", folder.path + "/piped.raw"], standardInput: Data(ranges.utf8))
        #expect(fromPipe.status == 0, "\(fromPipe.standardError)")
        let extracted = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/piped.raw"))
        #expect(extracted.count == (4800 + 100) * 2 * 2)
        #expect(extracted == (try Data(contentsOf: URL(fileURLWithPath: folder.path + "/filed.raw"))))
        let badRanges = aimport(["extract", "--store", store, "0", "--ranges", "-", "--output", folder.path + "/bad.raw"], standardInput: Data("0 10\nten 20\n".utf8))
        #expect(badRanges.status == 64)
        #expect(badRanges.standardError.contains("standard input: line 2 is not 'start end'"), "\(badRanges.standardError)")
        let noRanges = aimport(["extract", "--store", store, "0", "--ranges", "-", "--output", folder.path + "/none.raw"], standardInput: Data("# none\n".utf8))
        #expect(noRanges.status == 64)
        #expect(noRanges.standardError.contains("standard input: the ranges file holds no ranges"), "\(noRanges.standardError)")

        let wav = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/20250416_050000.WAV"))
        let audio = aimport(["import", "--store", store, "-"], standardInput: wav)
        #expect(audio.status == 66)
        #expect(audio.standardError.contains("standard input is not imported"), "\(audio.standardError)")
        #expect(aimport(["list", "--store", store]).standardOutput.split(separator: "\n").count == 3)
    }

    @Test func rowsThatMatchNoRecordingOrRunPastItsEndAreReportedByLineAndNeverGuessed() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let table = """
            Begin Time (s)\tEnd Time (s)\tBegin File\tFile Offset (s)\tAnnotation
            1\t2\t20250416_043000.WAV\t1\tok
            1\t2\tmissing.WAV\t1\tnowhere
            19.5\t21\t20250416_043000.WAV\t19.5\tinto the next file
            3\t2\t20250416_050000.WAV\t3\tbackwards
            """
        try table.write(toFile: folder.path + "/t.txt", atomically: true, encoding: .utf8)
        let refused = aimport(["annotate", "import", "--store", store, "--layer", "t", folder.path + "/t.txt"])
        #expect(refused.status == 65)
        for line in ["line 3: no recording was imported from a file named 'missing.WAV'", "line 4: runs to 21.000000 s, past the end of recording 0", "line 5: ends"] {
            #expect(refused.standardError.contains(line), "\(refused.standardError)")
        }
        #expect(!aimport(["annotate", "list", "--store", store]).standardOutput.contains("\nt\t"))
        let skipped = aimport(["annotate", "import", "--store", store, "--layer", "t", "--skip-unplaced", folder.path + "/t.txt"])
        #expect(skipped.status == 0)
        #expect(skipped.standardError.split(separator: "\n").count == 3)
        #expect(csvRows(store, "t").map { $0[3] } == ["ok"])
        #expect(aimport(["annotate", "export", "--store", store, "--layer", "nope", "--output", "-"]).status == 66)
        // Clips straight from the table (nothing imported): the placeable row, the others said by line.
        let clips = aimport(["extract", "--store", store, "--selections", folder.path + "/t.txt", "--output-dir", folder.path + "/clips"])
        #expect(clips.status == 0, "\(clips.standardError)")
        #expect(clips.standardError.contains("line 3 skipped: no recording was imported from a file named 'missing.WAV'"), "\(clips.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/clips") == ["ok_0_1.000.wav"])
        // A table from a pipe (read in passes: copied to a file first) gives the same rows.
        let piped = try ProcessRunner.run(ProcessRunner.which("bash") ?? "/bin/bash", [
            "-c", "\"$0\" annotate import --store \"$1\" --layer piped --skip-unplaced <(cat \"$2\") 2>/dev/null", Self.binary, store, folder.path + "/t.txt",
        ])
        #expect(piped.standardOutput.contains("layer piped: 1 rows on 1 recordings, 1 labels; 3 rows not placed"), "\(piped.standardOutput)")
        #expect(csvRows(store, "piped").map { $0[3] } == ["ok"])
    }

    @Test func birdNETCSVAndWallClockTablesArePlaced() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder, timezone: "+02:00")
        let birdnet = """
            Start (s),End (s),Scientific name,Common name,Confidence,File
            3.0,6.0,Turdus merula,Eurasian Blackbird,0.9137,/media/sd/20250416_050000.WAV
            12.0,15.0,"Parus major",Great Tit,0.55,C:\\data\\20250416_043000.WAV
            """
        try birdnet.write(toFile: folder.path + "/b.csv", atomically: true, encoding: .utf8)
        #expect(aimport(["annotate", "import", "--store", store, "--layer", "birdnet", folder.path + "/b.csv"]).status == 0)
        #expect(csvRows(store, "birdnet") == [["1", "288000", "576000", "Turdus merula", "", ""], ["0", "576000", "720000", "Parus major", "", ""]])

        // Wall clock: 04:30:10.5 at +02:00 is 10.5 s into the first recording; 05:00:02 into the second.
        let clock = """
            Begin Date\tBegin Clock Time\tBegin Time (s)\tEnd Time (s)\tAnnotation
            2025/04/16\t04:30:10.5\t0\t1\tfirst
            2025-04-16\t05:00:02\t0\t0.5\tsecond
            2025/04/16\t04:45:00\t0\t1\tbetween
            """
        try clock.write(toFile: folder.path + "/c.txt", atomically: true, encoding: .utf8)
        let placed = aimport(["annotate", "import", "--store", store, "--layer", "clock", "--timezone", "+02:00", "--skip-unplaced", folder.path + "/c.txt"])
        #expect(placed.status == 0 && placed.standardError.contains("line 4"))
        #expect(csvRows(store, "clock") == [["0", "504000", "552000", "first", "", ""], ["1", "192000", "240000", "second", "", ""]])
        // Read in UTC, the same clock times hold no recording.
        #expect(aimport(["annotate", "import", "--store", store, "--layer", "utc", folder.path + "/c.txt"]).status == 65)

        // A CSV as German or French Excel saves it: semicolons, decimal commas, a quoted field.
        // It was refused as a table without begin and end columns.
        let semicolons = """
            Start (s);End (s);Scientific name;Confidence;File
            3,0;6,5;Turdus merula;0,9137;20250416_050000.WAV
            12;15,25;"Parus major; adult";0,55;20250416_043000.WAV
            """
        try semicolons.write(toFile: folder.path + "/excel.csv", atomically: true, encoding: .utf8)
        #expect(aimport(["annotate", "import", "--store", store, "--layer", "excel", folder.path + "/excel.csv"]).status == 0)
        #expect(csvRows(store, "excel") == [["1", "288000", "624000", "Turdus merula", "", ""], ["0", "576000", "732000", "Parus major; adult", "", ""]])
        try (semicolons + "\n4,5x;5;Pica pica;0,5;20250416_050000.WAV").write(toFile: folder.path + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = aimport(["annotate", "import", "--store", store, "--layer", "bad", folder.path + "/bad.csv"])
        #expect(bad.status == 65 && bad.standardError.contains("line 4: '4,5x' in column 'Start (s)' is not a number"), "\(bad.standardError)")
        // The same decimal commas in a tab-separated table (Excel's "Text (Tab delimited)" in a
        // German locale) stay refused, since 1,500 may be a thousands separator there, and the
        // refusal says what to do.
        try "Start (s)\tEnd (s)\tScientific name\tConfidence\tFile\n3,5\t6\tTurdus merula\t0.9\t20250416_050000.WAV\n"
            .write(toFile: folder.path + "/tabs.txt", atomically: true, encoding: .utf8)
        let tabs = aimport(["annotate", "import", "--store", store, "--layer", "tabs", folder.path + "/tabs.txt"])
        #expect(tabs.status == 65 && tabs.standardError.contains("'3,5' in column 'Start (s)' is not a number (decimal commas are read in semicolon-separated tables only"),
                "\(tabs.standardError)")
    }

    /// A deleted recording's rows leave the layers with it. Before, they stayed: the Raven export
    /// gave them at sample / 1 Hz seconds (1600 s for sample 1600) with the id as file and a
    /// 0.5 Hz band, the CSV a rate of 1, and `extract --layer` stopped at them (exit 64). Rows of
    /// a recording that is gone otherwise (an earlier version's delete) are left out of the Raven
    /// export and the clips, and given without seconds in the CSV, each with a notice; `gc`
    /// removes them.
    @Test func aDeletedRecordingsRowsLeaveTheLayersAndRowsOfAMissingOneAreNeverGivenTimes() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let table = """
            Start (s),End (s),Common name,File
            1.0,2.0,first,20250416_043000.WAV
            3.0,4.5,second,20250416_050000.WAV
            5.0,6.0,third,20250416_043000.WAV
            """
        try table.write(toFile: folder.path + "/t.csv", atomically: true, encoding: .utf8)
        for layer in ["a", "b", "kept"] { #expect(aimport(["annotate", "import", "--store", store, "--layer", layer, folder.path + "/t.csv"]).status == 0) }
        let deleted = aimport(["delete", "--store", store, "0"])
        #expect(deleted.status == 0 && deleted.standardOutput.contains("deleted recording 0 and its 2 rows in layer a, 2 rows in layer b, 2 rows in layer kept"), "\(deleted.standardOutput) \(deleted.standardError)")
        #expect(csvRows(store, "a") == [["1", "288000", "432000", "second", "", ""]])
        // Recording 1's folder removed behind the archive's back: layer "kept" keeps its row.
        try FileManager.default.removeItem(atPath: store + "/1")
        let raven = aimport(["annotate", "export", "--store", store, "--layer", "kept", "--output", "-"])
        #expect(raven.status == 0 && raven.standardOutput.split(separator: "\n").count == 1, "\(raven.standardOutput)")  // the header only
        #expect(raven.standardError.contains("1 row of recordings not in the archive (deleted) or damaged left out"), "\(raven.standardError)")
        let csv = aimport(["annotate", "export", "--store", store, "--layer", "kept", "--format", "csv", "--output", "-"])
        #expect(csv.standardOutput.split(separator: "\n").last == "1,288000,432000,,,,,,,second,,,3", "\(csv.standardOutput)")
        let clips = aimport(["extract", "--store", store, "--layer", "kept", "--output-dir", folder.path + "/clips"])
        #expect(clips.status == 0 && clips.standardError.contains("0 clips written") && clips.standardError.contains("left out"), "\(clips.standardError)")
        // gc removes such rows (every layer had one on recording 1).
        let collected = aimport(["gc", "--store", store])
        #expect(collected.status == 0 && ["a", "b", "kept"].allSatisfy { collected.standardOutput.contains("removed 1 row of deleted recordings from layer \($0)") },
                "\(collected.standardOutput)")
        #expect(csvRows(store, "kept").isEmpty)
        #expect(!aimport(["gc", "--store", store]).standardOutput.contains("from layer"))
    }

    /// Audacity's label track as it exports it (no header; a label with a frequency range is
    /// followed by a `\` line with its band): it was refused as a table without begin and end
    /// columns (its first label taken for the header).
    @Test func anAudacityLabelTrackIsReadAsItsLabelsAndBands() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let track = "0.100000\t0.500000\tsong A\n\\\t1200.000000\t4500.000000\n1.250000\t1.750000\tcall\n2.000000\t2.000010\t\n"
        try track.write(toFile: folder.path + "/labels.txt", atomically: true, encoding: .utf8)
        let imported = aimport(["annotate", "import", "--store", store, "--layer", "audacity", "--recording", "1", folder.path + "/labels.txt"])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(csvRows(store, "audacity") == [
            ["1", "9600", "48000", "song A", "1200.000", "4500.000"], ["1", "120000", "168000", "call", "", ""], ["1", "192000", "192001", "", "", ""],
        ])
        let stray = "0.1\t0.5\tA\n\\\tlow\thigh\n"
        try stray.write(toFile: folder.path + "/stray.txt", atomically: true, encoding: .utf8)
        let refused = aimport(["annotate", "import", "--store", store, "--layer", "stray", "--recording", "1", folder.path + "/stray.txt"])
        #expect(refused.status == 65 && refused.standardError.contains("line 2"), "\(refused.standardError)")
    }

    /// A table Windows wrote (Raven Pro, Excel's tab-delimited text) in Windows-1252: its labels
    /// were read as UTF-8 and stored with U+FFFD in place of every letter beyond ASCII, exit 0.
    @Test func aTableInTheWindowsEncodingKeepsItsLettersAndUTF16IsRefused() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let labels = ["Mönchsgrasmücke", "Rotkehlchen – fern", "Grünfink €5 „Ruf“"]
        var table = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tSpecies\r\n"
        for (k, label) in labels.enumerated() { table += "\(k + 1)\tSpectrogram 1\t1\t\(k + 1)\t\(k + 2)\t\(label)\r\n" }
        let windows = try #require(table.data(using: .windowsCP1252))
        #expect(String(data: windows, encoding: .utf8) == nil)  // not UTF-8: the case under test
        try windows.write(to: URL(fileURLWithPath: folder.path + "/windows.txt"))
        let imported = aimport(["annotate", "import", "--store", store, "--layer", "windows", "--recording", "0", folder.path + "/windows.txt"])
        #expect(imported.status == 0 && imported.standardError.contains("Windows-1252"), "\(imported.standardError)")
        #expect(csvRows(store, "windows").map { $0[3] } == labels)
        // The same table in UTF-8, with and without a byte-order mark: the same labels, no notice.
        for (name, bytes) in [("utf8", Data(table.utf8)), ("bom", Data([0xEF, 0xBB, 0xBF]) + Data(table.utf8))] {
            try bytes.write(to: URL(fileURLWithPath: folder.path + "/\(name).txt"))
            let result = aimport(["annotate", "import", "--store", store, "--layer", name, "--recording", "0", folder.path + "/\(name).txt"])
            #expect(result.status == 0 && result.standardError.isEmpty, "\(result.standardError)")
            #expect(csvRows(store, name).map { $0[3] } == labels)
        }
        let utf16 = try #require(table.data(using: .utf16))  // with its byte-order mark, as Excel writes it
        try utf16.write(to: URL(fileURLWithPath: folder.path + "/utf16.txt"))
        let refused = aimport(["annotate", "import", "--store", store, "--layer", "utf16", "--recording", "0", folder.path + "/utf16.txt"])
        #expect(refused.status == 65 && refused.standardError.contains("UTF-16"), "\(refused.standardError)")
    }
}

/// `aimport summary` against `list --json`: the same recordings and seconds, split over periods.
@Suite(.serialized) struct DeploymentSummaryCLITests {
    private func aimport(_ arguments: [String]) -> ProcessRunner.Result {
        ProcessRunner.outcome(AnnotationCLITests.binary, arguments)
    }

    @Test func periodsAddUpToTheListAndCarryGapsOverlapsAndAudioMothFacts() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        // siteA: 10 min from 23:55 (across midnight and an hour), 1 min from 00:08 (after a 3 min gap),
        // 10 min from 00:08:30 (overlapping it by 30 s); siteB: an AudioMoth recording stopped for low voltage.
        try FileManager.default.createDirectory(atPath: folder.path + "/siteA", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.path + "/siteB", withIntermediateDirectories: true)
        for (k, name) in ["20250416_235500", "20250417_000800", "20250417_000830"].enumerated() {
            try ProcessRunner.run(sox, ["-R", "-n", "-r", "8000", "-b", "16", "-c", "1", folder.path + "/siteA/\(name).WAV", "synth", k == 1 ? "60" : "600", "sine", String(300 + 100 * k)])
        }
        try FileManager.default.copyItem(atPath: Fixtures.path("20250416_211500.WAV"), toPath: folder.path + "/siteB/20250416_211500.WAV")
        let store = folder.path + "/d.zarr"
        #expect(aimport(["import", "--store", store, "--timezone", "Z", folder.path + "/siteA", folder.path + "/siteB"]).status == 0)
        let listed = try JSONValue(parsing: Array(aimport(["list", "--store", store, "--json"]).standardOutput.utf8)).arrayValue ?? []
        let totalSeconds = listed.reduce(0.0) { $0 + Double($1["total_samples"]?.intValue ?? 0) / Double($1["sample_rate"]?.intValue ?? 1) }

        for per in ["night", "day", "hour", "all"] {
            let result = aimport(["summary", "--store", store, "--by", "site", "--per", per, "--json"])
            #expect(result.status == 0, "\(result.standardError)")
            let rows = try JSONValue(parsing: Array(result.standardOutput.utf8)).arrayValue ?? []
            #expect(rows.reduce(0) { $0 + ($1["recordings"]?.intValue ?? 0) } == listed.count, "\(per)")
            #expect(abs(rows.reduce(0.0) { $0 + ($1["seconds"]?.doubleValue ?? 0) } - totalSeconds) < 1e-6, "\(per)")
        }
        let hours = try JSONValue(parsing: Array(aimport(["summary", "--store", store, "--by", "site", "--per", "hour", "--json"]).standardOutput.utf8)).arrayValue ?? []
        let siteA = hours.filter { $0["group"]?.stringValue == "siteA" }
        // 23:55-00:05 is split: 300 s in the 23:00 hour; the 00:00 hour holds the rest of it and the others.
        #expect(siteA.first { $0["period"]?.stringValue == "2025-04-16T23:00" }?["seconds"]?.doubleValue == 300)
        let midnight = siteA.first { $0["period"]?.stringValue == "2025-04-17T00:00" }
        #expect(midnight?["recordings"]?.intValue == 2 && midnight?["seconds"]?.doubleValue == 300 + 60 + 600)
        #expect(midnight?["gaps"]?.arrayValue?.map { $0["seconds"]?.doubleValue } == [180] as [Double?])
        #expect(midnight?["overlaps"]?.intValue == 1 && midnight?["overlap_seconds"]?.doubleValue == 30)
        let night = try JSONValue(parsing: Array(aimport(["summary", "--store", store, "--by", "site", "--per", "night", "--json"]).standardOutput.utf8)).arrayValue ?? []
        let siteB = night.first { $0["group"]?.stringValue == "siteB" }
        let audioMoth = listed.first { $0["source"]?["relative_path"]?.stringValue?.hasPrefix("siteB") == true }?["metadata"]?["audiomoth"]
        #expect(siteB?["stop_reasons"]?.objectValue?.keys.first == audioMoth?["stop_reason"]?.stringValue)
        #expect(siteB?["battery_v"]?.arrayValue?.first?.doubleValue == audioMoth?["battery_v"]?.doubleValue)
        #expect(aimport(["summary", "--store", store, "--per", "week"]).status == 64)
    }
}
