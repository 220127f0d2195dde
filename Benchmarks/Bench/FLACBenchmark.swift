import ArgumentParser
import AudioInput
import CodecCore
import CodecFLAC
internal import CSndfile
import Foundation
import ZarrStore

/// The FLAC backend on long recordings: import, index (sequential vs parallel, with and without
/// CRC-16 of every frame), extraction latency of random 1 s segments next to the bare libFLAC
/// decode of the same frames and libsndfile seek+read on the same stream as a plain .flac file,
/// parallel extraction throughput, and peak RSS per phase. All in one run.
struct FLACBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flac", abstract: "FLAC import, index and extraction.")

    @Option(help: "Minutes of the 48 kHz recording.") var minutes = 60
    @Option(help: "Minutes of the 384 kHz recording (0 skips it).") var ultrasonicMinutes = 10
    @Option(help: "Random 1 s segments per extraction measurement.") var segments = 300
    @Option(help: "Working folder (default: a temporary folder, removed afterwards).") var dir: String?
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = dir ?? NSTemporaryDirectory() + "zarrwlr-flac-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: folder) } }
        var results: [JSONValue] = []
        var tables: [String] = []
        for (rate, length) in [(48_000, minutes), (384_000, ultrasonicMinutes)] where length > 0 {
            let (table, result) = try await measure(rate: rate, minutes: length, folder: folder + "/\(rate)")
            tables.append(table)
            results.append(result)
        }
        print(tables.joined(separator: "\n\n"))
        if let json {
            try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json))
        }
    }

    private func measure(rate: Int, minutes: Int, folder: String) async throws -> (String, JSONValue) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let seconds = minutes * 60
        let wav = folder + "/source.wav"
        log("\(rate) Hz, \(minutes) min: writing the source WAV ...")
        try TestSignal.writeWAV(path: wav, sampleRate: rate, seconds: seconds)
        var rows: [(String, String)] = []
        var facts: [String: JSONValue] = ["sample_rate": .int(Int64(rate)), "minutes": .int(Int64(minutes))]

        // Import, next to the flac CLI (libFLAC's own encoder) on the same file and settings.
        log("encoding with the flac CLI ...")
        let (_, cliSeconds) = try timed { try runTool("/usr/bin/flac", ["-s", "-f", "-5", "--blocksize=4096", "--no-seektable", "--no-padding", "-o", folder + "/cli.flac", wav]) }
        log("importing ...")
        let store = FilesystemStore(root: folder + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        PeakMemory.reset()
        let (report, importSeconds) = try await timed { try await FLACBackend().importToZarr(from: ImportSource.checksummed(wav), into: group, options: ImportOptions()) }
        let importRSS = PeakMemory.mebibytes
        rows.append(("import (encode + sha256 + index)", "\(fmt(Double(seconds) / importSeconds))x realtime, \(fmt(importSeconds, 2)) s"))
        rows.append(("flac CLI -5 encode, same file", "\(fmt(Double(seconds) / cliSeconds))x realtime, \(fmt(cliSeconds, 2)) s"))
        rows.append(("import speed / flac CLI speed", fmt(cliSeconds / importSeconds, 2)))
        let (_, shaSeconds) = try timed { try SourceFile.sizeAndSHA256(wav) }
        let (_, readSeconds) = try timed {
            let source = try PCMFileReader(path: wav)
            var block: [Int32] = []
            while try source.read(maxFrames: 1 << 16, into: &block) > 0 {}
        }
        rows.append(("  of which: sha256 of the source alone", "\(fmt(shaSeconds, 2)) s"))
        rows.append(("  of which: libsndfile reading the source alone", "\(fmt(readSeconds, 2)) s"))
        rows.append(("blob size", "\(fmt(Double(report.blobBytes) / 1e6, 1)) MB, \(report.index.entries) frames"))
        rows.append(("peak RSS during import", "\(fmt(importRSS, 1)) MiB"))
        facts["import_seconds"] = .double(importSeconds)
        facts["flac_cli_seconds"] = .double(cliSeconds)
        facts["blob_bytes"] = .int(report.blobBytes)
        facts["import_peak_rss_mib"] = .double(importRSS)

        // Index: sequential vs parallel, with and without CRC-16 of every frame.
        let recording = try ZarrGroup.open(in: store, at: "0")
        let blob = try BlobReader(try recording.array(RecordingLayout.blobArrayName))
        PeakMemory.reset()
        for verify in [false, true] {
            var times: [Int: Double] = [:]
            for workers in [1, 2] {
                var options = IndexOptions()
                options.workers = workers
                options.verifyEveryFrame = verify
                var samples: [Double] = []
                for _ in 0..<5 {
                    let (_, t) = try await timed { try await FLACBackend().buildIndex(of: blob, options: options) }
                    samples.append(t)
                }
                times[workers] = samples.median
                let name = "index, \(workers == 1 ? "sequential" : "2 workers")\(verify ? ", CRC-16 of every frame" : "")"
                rows.append((name, "\(fmt(times[workers]! * 1000, 1)) ms median of 5, \(fmt(Double(blob.length) / times[workers]! / 1e9, 2)) GB/s"))
                facts["index_ms_workers\(workers)\(verify ? "_verify" : "")"] = .double(times[workers]! * 1000)
            }
            rows.append(("  speedup 2 workers / sequential\(verify ? " (verify)" : "")", fmt(times[1]! / times[2]!, 2) + "x"))
        }
        rows.append(("peak RSS during indexing", "\(fmt(PeakMemory.mebibytes, 1)) MiB"))
        facts["index_peak_rss_mib"] = .double(PeakMemory.mebibytes)

        // Extraction of random 1 s segments: ours, the bare decode floor, libsndfile on a plain .flac.
        let reader = try FLACBackend().openFLACRecording(recording)
        let plain = folder + "/blob.flac"
        try exportBlob(blob, to: plain)
        var generator = SystemRandomNumberGenerator()
        let ranges = (0..<segments).map { _ -> Range<Int64> in
            let start = Int64.random(in: 0...(reader.totalSamples - Int64(rate)), using: &generator)
            return start..<start + Int64(rate)
        }
        PeakMemory.reset()
        var ours: [Double] = [], floor: [Double] = [], sndfile: [Double] = []
        var info = SF_INFO()
        guard let handle = sf_open(plain, Int32(SFM_READ), &info) else { throw ValidationError("libsndfile cannot open \(plain)") }
        defer { sf_close(handle) }
        var buffer = [Int32](repeating: 0, count: rate)
        for (n, range) in ranges.enumerated() {
            let bytes = try blob.read(reader.frameBytes(covering: range))
            let (mine, t1) = try timed { try reader.extractNative(range) }
            let (_, t2) = try timed { try FLAC.decodeFrames(bytes, preamble: reader.chain.decoderPreamble, channels: 1) }
            let (_, t3) = timed {
                sf_seek(handle, sf_count_t(range.lowerBound), SEEK_SET)
                _ = buffer.withUnsafeMutableBufferPointer { sf_readf_int(handle, $0.baseAddress, sf_count_t(rate)) }
            }
            if n < 5 {
                // Same samples as libsndfile (which returns them left-justified to 32 bits).
                guard mine == buffer.map({ $0 >> 16 }) else { throw ValidationError("extraction differs from libsndfile at \(range)") }
            }
            if n >= 10 { ours.append(t1 * 1e6); floor.append(t2 * 1e6); sndfile.append(t3 * 1e6) }
        }
        rows.append(("extract 1 s, zarrwlr", "median \(fmt(ours.median)) µs, p90 \(fmt(ours.percentile(0.9))) µs"))
        rows.append(("  bare libFLAC decode of the same frames (floor)", "median \(fmt(floor.median)) µs, p90 \(fmt(floor.percentile(0.9))) µs"))
        rows.append(("  libsndfile sf_seek + sf_readf_int on the .flac", "median \(fmt(sndfile.median)) µs, p90 \(fmt(sndfile.percentile(0.9))) µs"))
        rows.append(("  zarrwlr / floor, zarrwlr / libsndfile", "\(fmt(ours.median / floor.median, 2))x, \(fmt(ours.median / sndfile.median, 2))x"))
        facts["extract_us"] = ["zarrwlr_median": .double(ours.median), "zarrwlr_p90": .double(ours.percentile(0.9)),
                               "floor_median": .double(floor.median), "libsndfile_median": .double(sndfile.median)]

        rows.append(("peak RSS during extraction", "\(fmt(PeakMemory.mebibytes, 1)) MiB"))
        facts["extract_peak_rss_mib"] = .double(PeakMemory.mebibytes)

        for workers in [1, 2] {
            let (_, t) = try await timed { try await reader.extract(ranges, as: .int32, workers: workers) }
            rows.append(("parallel extraction, \(workers) worker\(workers > 1 ? "s (all cores)" : "")", "\(fmt(Double(ranges.count) / t)) segments/s"))
            facts["segments_per_s_workers\(workers)"] = .double(Double(ranges.count) / t)
        }

        var table = ["FLAC, \(rate) Hz 16-bit mono, \(minutes) min (\(fmt(Double(report.blobBytes) / 1e6, 1)) MB blob)", "", "| measurement | result |", "|---|---|"]
        table += rows.map { "| \($0.0) | \($0.1) |" }
        return (table.joined(separator: "\n"), .object(facts))
    }

    private func fmt(_ value: Double, _ digits: Int = 0) -> String {
        ResultRow.format(value, digits: digits)
    }
}
