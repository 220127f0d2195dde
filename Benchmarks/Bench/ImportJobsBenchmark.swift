import ArgumentParser
import Foundation

/// Many short WAVs (an AudioMoth schedule's one-minute files) imported by one `aimport import`
/// with `--jobs 1` and `--jobs` = cores, next to `flac -5` run on each file in turn (one thread),
/// runs interleaved, medians reported; every file is distinct (no duplicates), and each run
/// imports into an empty archive.
struct ImportJobsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-jobs", abstract: "Import of many short files with --jobs 1 and --jobs <cores> vs flac -5 file by file.")

    @Option(help: "Files imported.") var files = 16
    @Option(help: "Seconds of each 48 kHz 16-bit mono file.") var seconds = 60
    @Option(help: "Runs per measurement (the median is reported).") var runs = 3

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-import-jobs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let aimport = try releaseAimport()
        guard files > 0, seconds > 0, runs > 0 else { throw ValidationError("--files, --seconds and --runs must be positive") }
        let wavs = try (0..<files).map { number in
            let path = folder + "/file-\(number).wav"
            try TestSignal.writeWAV(path: path, sampleRate: 48_000, seconds: seconds, seed: UInt64(number + 1))
            return path
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let jobCounts = Array(Set([1, cores])).sorted()
        var flacTimes: [Double] = [], importTimes: [Int: [Double]] = [:]
        for _ in 0..<runs {
            let (_, flacSeconds) = try timed {
                for wav in wavs { try runTool("/usr/bin/flac", ["-s", "-f", "-5", "-o", folder + "/tool.flac", wav]) }
            }
            flacTimes.append(flacSeconds)
            for jobs in jobCounts {
                let store = folder + "/store-\(jobs)"
                let (_, importSeconds) = try CLIRangesBenchmark.timedCLI(aimport, ["import", "--store", store, "--codec", "flac", "--jobs", String(jobs)] + wavs)
                importTimes[jobs, default: []].append(importSeconds)
                try FileManager.default.removeItem(atPath: store)
            }
        }
        let flacTime = CLIRangesBenchmark.median(flacTimes)
        let medians = importTimes.mapValues(CLIRangesBenchmark.median)
        let audioSeconds = Double(files * seconds)
        print("\(cores) cores, \(files) files of \(seconds) s. Medians of \(runs) interleaved runs; one aimport process per run, flac -5 once per file.")
        print("")
        print("| | time | realtime | flac time / time |")
        print("|---|---:|---:|---:|")
        print("| flac -5, file by file | \(ResultRow.format(flacTime, digits: 2)) s | \(ResultRow.format(audioSeconds / flacTime, digits: 0))x | 1.00 |")
        for jobs in jobCounts {
            let time = medians[jobs] ?? 0
            print("| aimport import --jobs \(jobs) | \(ResultRow.format(time, digits: 2)) s | \(ResultRow.format(audioSeconds / time, digits: 0))x | \(ResultRow.format(flacTime / time, digits: 2)) |")
        }
    }
}
