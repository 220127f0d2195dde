import ArgumentParser
import CodecCore
import CodecWavPack
internal import CWavPack
import Foundation
import ZarrStore

/// The WavPack backend on a long recording, as the FLAC benchmark measures FLAC: import next to
/// the wavpack CLI, index sequential vs parallel, random 1 s extractions next to the bare
/// libwavpack decode of the same frames and libwavpack seeking in the plain .wv file, peak RSS.
struct WavPackBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wavpack", abstract: "WavPack import, index and extraction.")

    @Option(help: "Minutes of the 48 kHz recording.") var minutes = 60
    @Option(help: "Minutes of the 384 kHz recording (0 skips it).") var ultrasonicMinutes = 10
    @Option(help: "Random 1 s segments per extraction measurement.") var segments = 300
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-wavpack-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var results: [JSONValue] = []
        var tables: [String] = []
        for (rate, length) in [(48_000, minutes), (384_000, ultrasonicMinutes)] where length > 0 {
            let (table, result) = try await measure(rate: rate, minutes: length, folder: folder + "/\(rate)")
            tables.append(table)
            results.append(result)
        }
        print(tables.joined(separator: "\n\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    private func measure(rate: Int, minutes: Int, folder: String) async throws -> (String, JSONValue) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let seconds = minutes * 60
        let wav = folder + "/source.wav"
        log("\(rate) Hz, \(minutes) min: writing the source WAV ...")
        try TestSignal.writeWAV(path: wav, sampleRate: rate, seconds: seconds)
        var rows: [(String, String)] = []
        var facts: [String: JSONValue] = ["sample_rate": .int(Int64(rate)), "minutes": .int(Int64(minutes))]

        log("encoding with the wavpack CLI ...")
        let plain = folder + "/cli.wv"
        let (_, cliSeconds) = try timed { try runTool("/usr/bin/wavpack", ["-q", "-y", wav, "-o", plain]) }
        log("importing ...")
        let store = FilesystemStore(root: folder + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        PeakMemory.reset()
        let (report, importSeconds) = try await timed { try await WavPackBackend().importToZarr(from: ImportSource.checksummed(wav), into: group, options: ImportOptions()) }
        let importRSS = PeakMemory.mebibytes
        rows.append(("import (encode + sha256 + index)", "\(fmt(Double(seconds) / importSeconds))x realtime, \(fmt(importSeconds, 2)) s"))
        rows.append(("wavpack CLI encode (default mode), same file", "\(fmt(Double(seconds) / cliSeconds))x realtime, \(fmt(cliSeconds, 2)) s"))
        rows.append(("import speed / wavpack CLI speed", fmt(cliSeconds / importSeconds, 2)))
        rows.append(("blob size", "\(fmt(Double(report.blobBytes) / 1e6, 1)) MB, \(report.index.entries) frames"))
        rows.append(("peak RSS during import", "\(fmt(importRSS, 1)) MiB"))
        facts["import_seconds"] = .double(importSeconds)
        facts["wavpack_cli_seconds"] = .double(cliSeconds)
        facts["import_peak_rss_mib"] = .double(importRSS)

        let recording = try ZarrGroup.open(in: store, at: "0")
        let blob = try BlobReader(try recording.array(RecordingLayout.blobArrayName))
        PeakMemory.reset()
        var times: [Int: Double] = [:]
        for workers in [1, 2] {
            var options = IndexOptions()
            options.workers = workers
            var samples: [Double] = []
            for _ in 0..<5 {
                let (_, t) = try await timed { try await WavPackBackend().buildIndex(of: blob, options: options) }
                samples.append(t)
            }
            times[workers] = samples.median
            rows.append(("index, \(workers == 1 ? "sequential" : "2 workers") (every block's checksum)", "\(fmt(samples.median * 1000, 1)) ms median of 5, \(fmt(Double(blob.length) / samples.median / 1e9, 2)) GB/s"))
            facts["index_ms_workers\(workers)"] = .double(samples.median * 1000)
        }
        rows.append(("  speedup 2 workers / sequential", fmt(times[1]! / times[2]!, 2) + "x"))
        rows.append(("peak RSS during indexing", "\(fmt(PeakMemory.mebibytes, 1)) MiB"))
        facts["index_peak_rss_mib"] = .double(PeakMemory.mebibytes)

        let reader = try WavPackBackend().openWavPackRecording(recording)
        var generator = SystemRandomNumberGenerator()
        let ranges = (0..<segments).map { _ -> Range<Int64> in
            let start = Int64.random(in: 0...(reader.totalSamples - Int64(rate)), using: &generator)
            return start..<start + Int64(rate)
        }
        var error = [CChar](repeating: 0, count: 81)
        guard let file = WavpackOpenFileInput(plain, &error, 0, 0) else { throw ValidationError("libwavpack cannot open \(plain)") }
        defer { WavpackCloseFile(file) }
        var buffer = [Int32](repeating: 0, count: rate)
        PeakMemory.reset()
        var ours: [Double] = [], floor: [Double] = [], seeking: [Double] = []
        for (n, range) in ranges.enumerated() {
            let bytes = try blob.read(reader.frameBytes(covering: range))
            let skip = Int(range.lowerBound - reader.index.firstSamples[SortedPositions.lastIndex(in: reader.index.firstSamples, atOrBefore: range.lowerBound)])
            let (mine, t1) = try timed { try reader.extractNative(range) }
            let (_, t2) = try timed { try WavPack.decodeFrames(bytes, samples: skip + rate) }
            let (_, t3) = timed {
                _ = WavpackSeekSample64(file, range.lowerBound)
                _ = buffer.withUnsafeMutableBufferPointer { WavpackUnpackSamples(file, $0.baseAddress, UInt32(rate)) }
            }
            if n < 5, mine != buffer { throw ValidationError("extraction differs from libwavpack at \(range)") }
            if n >= 10 { ours.append(t1 * 1e6); floor.append(t2 * 1e6); seeking.append(t3 * 1e6) }
        }
        rows.append(("extract 1 s, zarrwlr", "median \(fmt(ours.median)) µs, p90 \(fmt(ours.percentile(0.9))) µs"))
        rows.append(("  bare libwavpack decode of the same frames (floor)", "median \(fmt(floor.median)) µs, p90 \(fmt(floor.percentile(0.9))) µs"))
        rows.append(("  libwavpack WavpackSeekSample64 + unpack on the .wv", "median \(fmt(seeking.median)) µs, p90 \(fmt(seeking.percentile(0.9))) µs"))
        rows.append(("  zarrwlr / floor, zarrwlr / libwavpack seeking", "\(fmt(ours.median / floor.median, 2))x, \(fmt(ours.median / seeking.median, 2))x"))
        rows.append(("peak RSS during extraction", "\(fmt(PeakMemory.mebibytes, 1)) MiB"))
        facts["extract_us"] = ["zarrwlr_median": .double(ours.median), "floor_median": .double(floor.median), "seek_median": .double(seeking.median)]
        facts["extract_peak_rss_mib"] = .double(PeakMemory.mebibytes)
        for workers in [1, 2] {
            let (_, t) = try await timed { try await reader.extract(ranges, as: .int32, workers: workers) }
            rows.append(("parallel extraction, \(workers) worker\(workers > 1 ? "s" : "")", "\(fmt(Double(ranges.count) / t)) segments/s"))
            facts["segments_per_s_workers\(workers)"] = .double(Double(ranges.count) / t)
        }
        var table = ["WavPack, \(rate) Hz 16-bit mono, \(minutes) min (\(fmt(Double(report.blobBytes) / 1e6, 1)) MB blob)", "", "| measurement | result |", "|---|---|"]
        table += rows.map { "| \($0.0) | \($0.1) |" }
        return (table.joined(separator: "\n"), .object(facts))
    }

    private func fmt(_ value: Double, _ digits: Int = 0) -> String {
        ResultRow.format(value, digits: digits)
    }
}
