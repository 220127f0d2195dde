import ArgumentParser
import ZarrwlrArchive
import CodecCore
import Foundation
import ObjectStore
import ZarrStore

/// The archive on S3 next to the same archive in a folder, same run: import throughput, random
/// 1 s extractions (median), GETs per extraction, and parallel extraction with 1, 2 and 8
/// workers. Needs an S3 server in the AWS_* environment and ZARRWLR_S3_BUCKET (scripts/s3-server).
struct S3Benchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "s3", abstract: "The archive on S3 vs in a folder.")

    @Option(help: "Minutes of the 48 kHz recording.") var minutes = 10
    @Option(help: "Random 1 s extractions per measurement.") var segments = 200
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        guard let bucket = ProcessInfo.processInfo.environment["ZARRWLR_S3_BUCKET"] else {
            throw ValidationError("set the S3 environment first: scripts/s3-server start; eval \"$(scripts/s3-server env)\"")
        }
        let folder = NSTemporaryDirectory() + "zarrwlr-s3-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let wav = folder + "/source.wav"
        try TestSignal.writeWAV(path: wav, sampleRate: 48_000, seconds: minutes * 60)
        let s3URL = "s3://\(bucket)/bench/\(UUID().uuidString.lowercased())"
        var lines = ["| measurement | folder | S3 (loopback) | S3 / folder |", "|---|---:|---:|---:|"]
        var results: [String: JSONValue] = [:]

        var archives: [(String, AudioArchive)] = []
        var importSeconds: [Double] = []
        for url in [folder + "/store.zarr", s3URL] {
            let archive = try AudioArchive.openOrCreate(storePath: url)
            let (_, seconds) = try await timed { try await archive.importFile(wav) }
            archives.append((url, archive))
            importSeconds.append(seconds)
        }
        let audioSeconds = Double(minutes * 60)
        lines.append("| import (encode + sha256 + index + commit) | \(String(format: "%.0f", audioSeconds / importSeconds[0]))x realtime | \(String(format: "%.0f", audioSeconds / importSeconds[1]))x realtime | \(String(format: "%.2f", importSeconds[1] / importSeconds[0])) |")
        results["import_seconds"] = .array(importSeconds.map(JSONValue.double))

        let readers = try archives.map { try $0.1.reader(for: "0") }
        var random = SplitMix64(seed: 7)
        let ranges = (0..<segments).map { _ -> Range<Int64> in
            let start = Int64(random.next() % UInt64(readers[0].totalSamples - 48_000))
            return start..<start + 48_000
        }
        // Warm: the frame index and shard indexes are read once per opened recording.
        for reader in readers { _ = try reader.extract(ranges[0], as: .int16) }
        var medians: [Double] = []
        for reader in readers {
            var times: [Double] = []
            for range in ranges {
                let (_, seconds) = try timed { try reader.extract(range, as: .int16) }
                times.append(seconds)
            }
            medians.append(times.sorted()[times.count / 2])
        }
        lines.append("| 1 s extraction, median | \(String(format: "%.3f", medians[0] * 1000)) ms | \(String(format: "%.3f", medians[1] * 1000)) ms | \(String(format: "%.2f", medians[1] / medians[0])) |")
        results["extract_median_seconds"] = .array(medians.map(JSONValue.double))

        guard let s3 = archives[1].1.store as? S3Store else { return }
        let before = s3.client.requestCounts.withLock { $0["GET", default: 0] + $0["HEAD", default: 0] }
        for range in ranges { _ = try readers[1].extract(range, as: .int16) }
        let after = s3.client.requestCounts.withLock { $0["GET", default: 0] + $0["HEAD", default: 0] }
        let perExtraction = Double(after - before) / Double(ranges.count)
        lines.append("| requests per 1 s extraction (GET + HEAD) | - | \(String(format: "%.2f", perExtraction)) | - |")
        results["s3_requests_per_extraction"] = .double(perExtraction)

        for workers in [1, 2, 8] {
            var rates: [Double] = []
            for reader in readers {
                let (_, seconds) = try await timed { _ = try await reader.extract(ranges, as: .int16, workers: workers) }
                rates.append(Double(ranges.count) / seconds)
            }
            lines.append("| \(workers) worker\(workers == 1 ? "" : "s"): extractions per second | \(String(format: "%.0f", rates[0])) | \(String(format: "%.0f", rates[1])) | \(String(format: "%.2f", rates[0] / rates[1])) (time) |")
            results["extractions_per_second_\(workers)"] = .array(rates.map(JSONValue.double))
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.object(results).serialized()).write(to: URL(fileURLWithPath: json)) }
        try? (archives[1].1.store as? S3Store)?.erasePrefix("")
    }
}
