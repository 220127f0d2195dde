import ArgumentParser
import AudioInput
import CodecCore
import Foundation
import ZarrStore

/// One long WAV imported by `aimport import --codec flac` (or `wavpack`) with 1, 2, 4, ...
/// workers (the stream encoded in segments on that many cores), next to the codec's own tool on
/// the same file (`flac -5`, `wavpack` in its normal mode; both one thread), runs interleaved,
/// medians reported; the process start, the sha256 of the source, the container
/// check and the commit with its fsyncs are all in the import's time. Also checks that the
/// stored stream is the same bytes for every worker count.
struct ImportCoresBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-cores", abstract: "Import of one long file on 1..N cores vs the codec's own tool.")

    /// The codecs measured, with their tool's command line (`%in` and `%out` replaced).
    static let tools = ["flac": ["/usr/bin/flac", "-s", "-f", "-5", "-o", "%out", "%in"], "wavpack": ["/usr/bin/wavpack", "-q", "-y", "%in", "-o", "%out"]]

    @Option(help: "Minutes of each 48 kHz 16-bit mono recording, comma-separated.") var minutes = "3,20"
    @Option(help: "Runs per measurement (the median is reported).") var runs = 3
    @Option(help: "flac or wavpack.") var codec = "flac"
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-import-cores-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let aimport = try releaseAimport()
        guard let tool = Self.tools[codec] else { throw ValidationError("--codec must be flac or wavpack, not \(codec)") }
        let toolName = (tool[0] as NSString).lastPathComponent
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let workerCounts = Array(Set(sequence(first: 1) { $0 * 2 < cores ? $0 * 2 : nil } + [cores])).sorted()
        var lines = [
            "\(cores) cores. Medians of \(runs) interleaved runs; aimport's time includes its process, sha256, container check and commit.",
            "",
            "| minutes | \(toolName) | " + workerCounts.map { "import, \($0) worker\($0 == 1 ? "" : "s")" }.joined(separator: " | ") + " | \(toolName) time / import time (\(cores) workers) | stored / \(toolName) bytes | speedup \(cores) / 1 worker | peak RSS (\(cores) workers) | same stream for every worker count |",
            "|---:|---:|" + String(repeating: "---:|", count: workerCounts.count) + "---:|---:|---:|---:|:---:|",
        ]
        var results: [JSONValue] = []
        for length in minutes.split(separator: ",").compactMap({ Int($0) }) where length > 0 {
            let wav = folder + "/source-\(length).wav"
            try TestSignal.writeWAV(path: wav, sampleRate: 48_000, seconds: length * 60)
            var toolTimes: [Double] = []
            var sizes: (stored: Int64, tool: Int64) = (0, 0)
            var importTimes: [Int: [Double]] = [:], memory: [Int: [Double]] = [:]
            var streams: [Int: String] = [:]
            for run in 0..<runs {
                let output = folder + "/tool.out"
                let arguments = tool.dropFirst().map { $0 == "%in" ? wav : $0 == "%out" ? output : $0 }
                let (_, toolSeconds) = try timed { try runTool(tool[0], arguments) }
                toolTimes.append(toolSeconds)
                sizes.tool = Int64((try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0)
                for workers in workerCounts {
                    let store = folder + "/store-\(workers)-\(run)"
                    let (kilobytes, seconds) = try CLIRangesBenchmark.timedCLI(aimport, ["import", "--store", store, "--codec", codec, "--workers", String(workers), wav])
                    importTimes[workers, default: []].append(seconds)
                    memory[workers, default: []].append(kilobytes / 1024)
                    if run == 0 { (streams[workers], sizes.stored) = try Self.streamDigest(store) }
                    try FileManager.default.removeItem(atPath: store)
                }
            }
            let toolTime = CLIRangesBenchmark.median(toolTimes)
            let medians = importTimes.mapValues(CLIRangesBenchmark.median)
            let one = medians[1] ?? 0, all = medians[cores] ?? 0
            let same = Set(streams.values).count == 1
            lines.append("| \(length) | \(ResultRow.format(toolTime, digits: 2)) s | " + workerCounts.map { "\(ResultRow.format(medians[$0] ?? 0, digits: 2)) s" }.joined(separator: " | ")
                + " | \(ResultRow.format(toolTime / all, digits: 2)) | \(ResultRow.format(Double(sizes.stored) / Double(max(1, sizes.tool)), digits: 4)) | \(ResultRow.format(one / all, digits: 2))x | \(ResultRow.format(CLIRangesBenchmark.median(memory[cores] ?? []), digits: 1)) MiB | \(same ? "yes" : "NO") |")
            results.append([
                "minutes": .int(Int64(length)), "codec": .string(codec), "tool_seconds": .double(toolTime), "cores": .int(Int64(cores)),
                "stored_bytes": .int(sizes.stored), "tool_bytes": .int(sizes.tool),
                "import_seconds": .object(Dictionary(uniqueKeysWithValues: medians.map { (String($0.key), JSONValue.double($0.value)) })),
                "same_stream": .bool(same),
            ])
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    /// The sha256 of recording 0's stored stream, and its length.
    static func streamDigest(_ storePath: String) throws -> (String, Int64) {
        let group = try ZarrGroup.open(in: FilesystemStore(root: storePath), at: "0")
        let blob = try BlobReader(try group.array(RecordingLayout.blobArrayName))
        let digest = MessageDigest(.sha256)
        var offset: Int64 = 0
        while offset < blob.length {
            let end = min(blob.length, offset + (8 << 20))
            digest.update(try blob.read(offset..<end))
            offset = end
        }
        return (MessageDigest.hex(digest.finalize()), blob.length)
    }
}
