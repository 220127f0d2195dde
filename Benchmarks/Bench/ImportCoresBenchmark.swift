import ArgumentParser
import AudioInput
import CodecCore
import Foundation
import ZarrStore

/// One long WAV imported by `aimport import --codec flac` with 1, 2, 4, ... workers (the FLAC
/// stream encoded in segments on that many cores), next to `flac -5` on the same file, runs
/// interleaved, medians reported; the process start, the sha256 of the source, the container
/// check and the commit with its fsyncs are all in the import's time. Also checks that the
/// stored stream is the same bytes for every worker count.
struct ImportCoresBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-cores", abstract: "Import of one long file on 1..N cores vs the flac CLI.")

    @Option(help: "Minutes of each 48 kHz 16-bit mono recording, comma-separated.") var minutes = "3,20"
    @Option(help: "Runs per measurement (the median is reported).") var runs = 3
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-import-cores-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let aimport = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/aimport"
        guard FileManager.default.isExecutableFile(atPath: aimport) else {
            throw ValidationError("\(aimport) is missing: build it first (swift build -c release)")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let workerCounts = Array(Set(sequence(first: 1) { $0 * 2 < cores ? $0 * 2 : nil } + [cores])).sorted()
        var lines = [
            "\(cores) cores. Medians of \(runs) interleaved runs; aimport's time includes its process, sha256, container check and commit.",
            "",
            "| minutes | flac -5 | " + workerCounts.map { "import, \($0) worker\($0 == 1 ? "" : "s")" }.joined(separator: " | ") + " | flac time / import time (\(cores) workers) | speedup \(cores) / 1 worker | peak RSS (\(cores) workers) | same stream for every worker count |",
            "|---:|---:|" + String(repeating: "---:|", count: workerCounts.count) + "---:|---:|---:|:---:|",
        ]
        var results: [JSONValue] = []
        for length in minutes.split(separator: ",").compactMap({ Int($0) }) where length > 0 {
            let wav = folder + "/source-\(length).wav"
            try TestSignal.writeWAV(path: wav, sampleRate: 48_000, seconds: length * 60)
            var flacTimes: [Double] = []
            var importTimes: [Int: [Double]] = [:], memory: [Int: [Double]] = [:]
            var streams: [Int: String] = [:]
            for run in 0..<runs {
                let (_, flacSeconds) = try timed { try runTool("/usr/bin/flac", ["-s", "-f", "-5", "-o", folder + "/cli.flac", wav]) }
                flacTimes.append(flacSeconds)
                for workers in workerCounts {
                    let store = folder + "/store-\(workers)-\(run)"
                    let (kilobytes, seconds) = try CLIRangesBenchmark.timedCLI(aimport, ["import", "--store", store, "--codec", "flac", "--workers", String(workers), wav])
                    importTimes[workers, default: []].append(seconds)
                    memory[workers, default: []].append(kilobytes / 1024)
                    if run == 0 { streams[workers] = try Self.streamDigest(store) }
                    try FileManager.default.removeItem(atPath: store)
                }
            }
            let flac = CLIRangesBenchmark.median(flacTimes)
            let medians = importTimes.mapValues(CLIRangesBenchmark.median)
            let one = medians[1] ?? 0, all = medians[cores] ?? 0
            let same = Set(streams.values).count == 1
            lines.append("| \(length) | \(ResultRow.format(flac, digits: 2)) s | " + workerCounts.map { "\(ResultRow.format(medians[$0] ?? 0, digits: 2)) s" }.joined(separator: " | ")
                + " | \(ResultRow.format(flac / all, digits: 2)) | \(ResultRow.format(one / all, digits: 2))x | \(ResultRow.format(CLIRangesBenchmark.median(memory[cores] ?? []), digits: 1)) MiB | \(same ? "yes" : "NO") |")
            results.append([
                "minutes": .int(Int64(length)), "flac_seconds": .double(flac), "cores": .int(Int64(cores)),
                "import_seconds": .object(Dictionary(uniqueKeysWithValues: medians.map { (String($0.key), JSONValue.double($0.value)) })),
                "same_stream": .bool(same),
            ])
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    /// The sha256 of recording 0's stored stream.
    static func streamDigest(_ storePath: String) throws -> String {
        let group = try ZarrGroup.open(in: FilesystemStore(root: storePath), at: "0")
        let blob = try BlobReader(try group.array(RecordingLayout.blobArrayName))
        let digest = MessageDigest(.sha256)
        var offset: Int64 = 0
        while offset < blob.length {
            let end = min(blob.length, offset + (8 << 20))
            digest.update(try blob.read(offset..<end))
            offset = end
        }
        return MessageDigest.hex(digest.finalize())
    }
}
