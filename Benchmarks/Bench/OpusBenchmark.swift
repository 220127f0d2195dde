import ArgumentParser
import CodecCore
import CodecOpus
import Foundation
import ZarrStore

/// The Opus backend on a long mono recording at two bitrates: index (sequential vs parallel),
/// 1 s extraction with the default and the RFC 7845 minimum pre-roll next to the bare libopus
/// decode of the same packets and libopusfile seek+read on the plain .opus file, parallel
/// extraction throughput, and peak RSS. All in one run.
struct OpusBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "opus", abstract: "Opus import, index and extraction.")

    @Option(help: "Minutes of the 48 kHz mono recording.") var minutes = 60
    @Option(help: "Random 1 s segments per extraction measurement.") var segments = 300
    @Option(help: "Working folder (default: a temporary folder, removed afterwards).") var dir: String?
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Measure one bitrate in this process (the parent runs one child per bitrate, so peak RSS figures do not mix).")
    var onlyBitrate: Int?
    @Option(help: "With --only-bitrate: the source WAV to use.") var wav: String?
    @Flag(help: "Encode with inter-frame prediction (aimport --opus-prediction).") var prediction = false

    func run() async throws {
        let folder = dir ?? NSTemporaryDirectory() + "zarrwlr-opus-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let onlyBitrate, let wav {
            let (table, result) = try await measure(wav: wav, bitrate: onlyBitrate, folder: folder + "/\(onlyBitrate)")
            print(table)
            if let json { try Data(result.serialized()).write(to: URL(fileURLWithPath: json)) }
            return
        }
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let source = folder + "/source.wav"
        log("writing the source WAV ...")
        try TestSignal.writeWAV(path: source, sampleRate: 48_000, seconds: minutes * 60)
        var tables: [String] = []
        var results: [JSONValue] = []
        for bitrate in [64_000, 160_000] {
            let resultPath = folder + "/result-\(bitrate).json"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = (prediction ? ["opus", "--prediction"] : ["opus"]) + ["--only-bitrate", String(bitrate), "--wav", source, "--dir", folder,
                                 "--minutes", String(minutes), "--segments", String(segments), "--json", resultPath]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let table = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchmarkError("the \(bitrate) b/s run failed") }
            tables.append(table.trimmingCharacters(in: .whitespacesAndNewlines))
            results.append(try JSONValue(parsing: [UInt8](try Data(contentsOf: URL(fileURLWithPath: resultPath)))))
        }
        print(tables.joined(separator: "\n\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    private func measure(wav: String, bitrate: Int, folder: String) async throws -> (String, JSONValue) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rows: [(String, String)] = []
        var facts: [String: JSONValue] = ["bitrate": .int(Int64(bitrate)), "minutes": .int(Int64(minutes)), "prediction": .bool(prediction)]
        log("\(bitrate / 1000) kb/s: importing ...")
        let store = FilesystemStore(root: folder + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        var options = ImportOptions()
        options.set("bitrate", String(bitrate), for: OpusBackend.codecID)
        options.set("prediction", String(prediction), for: OpusBackend.codecID)
        PeakMemory.reset()
        let (report, importSeconds) = try await timed { try await OpusBackend().importToZarr(from: ImportSource.checksummed(wav), into: group, options: options) }
        rows.append(("import (libopusenc, complexity 10)", "\(fmt(Double(minutes * 60) / importSeconds))x realtime, \(fmt(importSeconds, 1)) s, \(fmt(Double(report.blobBytes) / 1e6, 1)) MB, \(report.index.entries) pages"))
        rows.append(("peak RSS during import", "\(fmt(PeakMemory.mebibytes, 1)) MiB"))
        facts["import_seconds"] = .double(importSeconds)
        facts["import_peak_rss_mib"] = .double(PeakMemory.mebibytes)

        let recording = try ZarrGroup.open(in: store, at: "0")
        let blob = try BlobReader(try recording.array(RecordingLayout.blobArrayName))
        PeakMemory.reset()
        var indexTimes: [Int: Double] = [:]
        for workers in [1, 2] {
            var indexOptions = IndexOptions()
            indexOptions.workers = workers
            var samples: [Double] = []
            for _ in 0..<5 {
                let (_, t) = try await timed { try await OpusBackend().buildIndex(of: blob, options: indexOptions) }
                samples.append(t)
            }
            indexTimes[workers] = samples.median
            rows.append(("index, \(workers == 1 ? "sequential" : "2 workers")", "\(fmt(samples.median * 1000, 1)) ms median of 5, \(fmt(Double(blob.length) / samples.median / 1e9, 2)) GB/s"))
            facts["index_ms_workers\(workers)"] = .double(samples.median * 1000)
        }
        rows.append(("  speedup 2 workers / sequential", fmt(indexTimes[1]! / indexTimes[2]!, 2) + "x"))
        rows.append(("peak RSS during indexing", "\(fmt(PeakMemory.mebibytes, 1)) MiB"))

        // Plain .opus file for the references.
        let plain = folder + "/blob.opus"
        try exportBlob(blob, to: plain)
        let accurate = try OpusBackend().openOpusRecording(recording)
        let fast = try OpusBackend().openOpusRecording(recording, preRollSeconds: Opus.PreRoll.minimumSeconds)
        var generator = SystemRandomNumberGenerator()
        let ranges = (0..<segments).map { _ -> Range<Int64> in
            let start = Int64.random(in: 48_000...(accurate.totalSamples - 48_000), using: &generator)
            return start..<start + 48_000
        }
        // Our extraction's memory, before the references load the whole stream's packets.
        PeakMemory.reset()
        for range in ranges { _ = try accurate.extractFloat(range) }
        let extractionRSS = PeakMemory.mebibytes
        let floor = try OpusReferenceDecoders.Floor(file: plain)
        let opusfile = try OpusReferenceDecoders.OpusFile(path: plain)
        let oneSecond = try OpusBackend().openOpusRecording(recording, preRollSeconds: 1)
        var ours: [Double] = [], oursFast: [Double] = [], oursOneSecond: [Double] = [], floorAccurate: [Double] = [], floorFast: [Double] = [], reference: [Double] = []
        var worstFast: Float = 0
        var reasons: [Opus.PreRoll.Reason] = []
        for (n, range) in ranges.enumerated() {
            let choice = try accurate.preRollChoice(before: range.lowerBound)
            reasons.append(choice.reason)
            let (a, t1) = try timed { try accurate.extractFloat(range) }
            let (b, t2) = try timed { try fast.extractFloat(range) }
            let (_, t6) = try timed { try oneSecond.extractFloat(range) }
            let windowAccurate = floor.window(start: Int(range.lowerBound), count: 48_000, preRoll: Int(choice.samples))
            let windowFast = floor.window(start: Int(range.lowerBound), count: 48_000, preRoll: Int(fast.preRoll.celtOnly))
            let (_, t3) = timed { floor.decode(windowAccurate) }
            let (_, t4) = timed { floor.decode(windowFast) }
            let (c, t5) = timed { opusfile.read(start: range.lowerBound, count: 48_000) }
            if n < 20 {
                // libopusfile seeks with its own pre-roll; our default must match it within 1 LSB where it converged.
                worstFast = max(worstFast, zip(a, b).map { abs($0 - $1) }.max() ?? 0)
                guard a.count == c.count else { throw BenchmarkError("length differs from libopusfile at \(range)") }
            }
            if n >= 10 {
                ours.append(t1 * 1e6); oursFast.append(t2 * 1e6); oursOneSecond.append(t6 * 1e6); floorAccurate.append(t3 * 1e6); floorFast.append(t4 * 1e6); reference.append(t5 * 1e6)
            }
        }
        let paths: [(String, Opus.PreRoll.Reason)] = [
            ("independent frames", .independentFrames), ("CELT-only", .celtOnly), ("mode switch", .modeSwitch), ("stream start", .streamStart), ("1 s", .fixed),
        ]
        rows.append(("extract 1 s, default pre-roll", "median \(fmt(ours.median)) µs, p90 \(fmt(ours.percentile(0.9))) µs"))
        rows.append(("  pre-roll chosen", paths.map { path in "\(path.0): \(reasons.filter { $0 == path.1 }.count)" }.joined(separator: ", ")))
        rows.append(("  bare libopus: reset + pre-roll + 1 s (floor)", "median \(fmt(floorAccurate.median)) µs"))
        rows.append(("extract 1 s, pre-roll fixed at 1 s", "median \(fmt(oursOneSecond.median)) µs, p90 \(fmt(oursOneSecond.percentile(0.9))) µs"))
        rows.append(("extract 1 s, RFC 7845 minimum pre-roll (80 ms)", "median \(fmt(oursFast.median)) µs, p90 \(fmt(oursFast.percentile(0.9))) µs"))
        rows.append(("  bare libopus: reset + 80 ms + 1 s (floor)", "median \(fmt(floorFast.median)) µs"))
        rows.append(("  largest difference fast vs default pre-roll", "\(fmt(Double(worstFast) * 32768, 1)) LSB at 16 bit"))
        rows.append(("libopusfile op_pcm_seek + op_read_float on the .opus", "median \(fmt(reference.median)) µs, p90 \(fmt(reference.percentile(0.9))) µs"))
        rows.append(("  default / floor, default / libopusfile", "\(fmt(ours.median / floorAccurate.median, 2))x, \(fmt(ours.median / reference.median, 2))x"))
        rows.append(("  fast / floor, fast / libopusfile", "\(fmt(oursFast.median / floorFast.median, 2))x, \(fmt(oursFast.median / reference.median, 2))x"))
        rows.append(("peak RSS during extraction", "\(fmt(extractionRSS, 1)) MiB"))
        facts["extract_us"] = [
            "default_median": .double(ours.median), "default_p90": .double(ours.percentile(0.9)), "fast_median": .double(oursFast.median),
            "one_second_median": .double(oursOneSecond.median), "floor_default_median": .double(floorAccurate.median), "floor_fast_median": .double(floorFast.median),
            "libopusfile_median": .double(reference.median),
        ]
        for workers in [1, 2] {
            let (_, t) = try await timed { try await accurate.extract(ranges, as: .float32, workers: workers) }
            rows.append(("parallel extraction (default pre-roll), \(workers) worker\(workers > 1 ? "s" : "")", "\(fmt(Double(ranges.count) / t)) segments/s"))
        }
        // How long must the pre-roll be? Extractions against libopusfile's continuous decode of the
        // first three minutes (from the stream start, op_read_float without seeking).
        let reference3min = opusfile.continuous(count: Int(min(accurate.totalSamples, 180 * 48_000)))
        let probes = (0..<40).map { _ in Int64.random(in: 48_000...(Int64(reference3min.count) - 48_000), using: &generator) }
        var sweep: [String: JSONValue] = [:]
        for preRoll in [0.02, 0.04, 0.08, 0.2, 0.3, 0.4, 0.5, 1.0] {
            let reader = try OpusBackend().openOpusRecording(recording, preRollSeconds: preRoll)
            var worst: Float = 0
            var exact = 0
            for start in probes {
                let x = try reader.extractFloat(start..<start + 48_000)
                let difference = zip(x, reference3min[Int(start)..<Int(start) + 48_000]).map { abs($0 - $1) }.max() ?? 0
                worst = max(worst, difference)
                if difference <= 1.0 / 32768 { exact += 1 }
            }
            rows.append(("pre-roll \(fmt(preRoll * 1000)) ms vs continuous decode", "worst \(fmt(Double(worst) * 32768, 1)) LSB, \(exact)/\(probes.count) segments within 1 LSB"))
            sweep["\(Int(preRoll * 1000))ms"] = ["worst_lsb": .double(Double(worst) * 32768), "within_1_lsb": .int(Int64(exact))]
        }
        facts["preroll_sweep"] = .object(sweep)
        let snr = try TestSignal.snr(wav: wav, decoded: reference3min)
        rows.append(("SNR of the decode against the source (first 3 min at most)", "\(fmt(snr, 2)) dB"))
        facts["snr_db"] = .double(snr)

        let encoding = prediction ? ", inter-frame prediction" : ""
        var table = ["Opus, 48 kHz mono, \(minutes) min, \(bitrate / 1000) kb/s\(encoding) (\(fmt(Double(report.blobBytes) / 1e6, 1)) MB blob)", "", "| measurement | result |", "|---|---|"]
        table += rows.map { "| \($0.0) | \($0.1) |" }
        return (table.joined(separator: "\n"), .object(facts))
    }

    private func fmt(_ value: Double, _ digits: Int = 0) -> String {
        ResultRow.format(value, digits: digits)
    }
}
