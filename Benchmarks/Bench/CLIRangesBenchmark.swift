import ArgumentParser
import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

/// `aimport extract --ranges` against the library on the same ranges, same run: N random 1 s
/// ranges of a 48 kHz recording, written as raw s16 to a file, 2 workers. The CLI's time includes
/// its process start, opening the archive and parsing the ranges file; its peak RSS comes from
/// /usr/bin/time for two range counts, to show it does not grow with them.
struct CLIRangesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cli-ranges", abstract: "extract --ranges through the CLI vs the library.")

    @Option(help: "Minutes of the 48 kHz recording.") var minutes = 10
    @Option(help: "Range counts, comma-separated.") var counts = "500,5000"
    @Option(help: "Runs per measurement (the median is reported).") var runs = 3
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-cli-ranges-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let aimport = try releaseAimport()
        let wav = folder + "/source.wav"
        try TestSignal.writeWAV(path: wav, sampleRate: 48_000, seconds: minutes * 60)
        let storePath = folder + "/store.zarr"
        let archive = try AudioArchive.openOrCreate(storePath: storePath)
        _ = try await archive.importFile(wav)
        let reader = try archive.reader(for: "0")
        var lines = ["| ranges | library per range | CLI per range (process included) | CLI / library | CLI peak RSS |", "|---:|---:|---:|---:|---:|"]
        var results: [JSONValue] = []
        for count in counts.split(separator: ",").compactMap({ Int($0) }) where count > 0 {
            var random = SplitMix64(seed: UInt64(count))
            let ranges = (0..<count).map { _ -> Range<Int64> in
                let start = Int64(random.next() % UInt64(reader.totalSamples - 48_000))
                return start..<start + 48_000
            }
            let rangesFile = folder + "/ranges-\(count).txt"
            try ranges.map { "\($0.lowerBound) \($0.upperBound)" }.joined(separator: "\n").write(toFile: rangesFile, atomically: true, encoding: .utf8)
            var library: [Double] = [], cli: [Double] = [], rss: [Double] = []
            for _ in 0..<runs {
                let output = try ByteOutput.file(folder + "/library.raw")
                let (_, seconds) = try await timed {
                    try await BoundedTasks.forEachInOrder(ranges, workers: 2, { range throws(CodecError) in try reader.extract(range, as: .int16) }) { _, buffer throws(CodecError) in
                        var failure: CodecError?
                        buffer.withUnsafeBytes { raw in
                            do throws(CodecError) { try output.writeFile(raw) } catch { failure = error }
                        }
                        if let failure { throw failure }
                    }
                    try output.finish()
                }
                library.append(seconds)
                let (kilobytes, cliSeconds) = try Self.timedCLI(aimport, ["extract", "--store", storePath, "0", "--ranges", rangesFile, "--workers", "2", "--output", folder + "/cli.raw", "--force"])
                cli.append(cliSeconds)
                rss.append(kilobytes / 1024)
            }
            let (lib, tool, memory) = (Self.median(library), Self.median(cli), Self.median(rss))
            lines.append("| \(count) | \(String(format: "%.3f", lib * 1000 / Double(count))) ms | \(String(format: "%.3f", tool * 1000 / Double(count))) ms | \(String(format: "%.2f", tool / lib)) | \(String(format: "%.1f", memory)) MiB |")
            results.append([
                "ranges": .int(Int64(count)), "library_seconds": .double(lib), "cli_seconds": .double(tool), "cli_peak_rss_mib": .double(memory),
            ])
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    /// Runs the CLI under /usr/bin/time: its peak RSS in KiB and its wall time.
    static func timedCLI(_ tool: String, _ arguments: [String]) throws -> (Double, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M"] + [tool] + arguments
        let err = Pipe()
        process.standardError = err
        let start = ContinuousClock.now
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let elapsed = (ContinuousClock.now - start).components
        guard process.terminationStatus == 0, let kilobytes = Double(text.split(separator: "\n").last ?? "") else {
            throw ValidationError("aimport failed: \(text)")
        }
        return (kilobytes, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
