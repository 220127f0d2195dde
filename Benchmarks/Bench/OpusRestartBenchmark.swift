import ArgumentParser
import CodecCore
import CodecOpus
import Foundation
import ZarrStore

/// SILK and hybrid streams copied 1:1: how exact and how costly extraction is with restart
/// points, against libopusfile's continuous decode, at several distances into the stream.
struct OpusRestartBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opus-silk", abstract: "SILK/hybrid 1:1 copies: extraction error and cost with restart points.")

    @Option(help: "Seconds of each signal.") var seconds = 90
    @Option(help: "Bitrates in kb/s (opusenc picks SILK or hybrid at low ones).") var bitrates = "12,20,32"
    @Option(help: "Repetitions per extraction (the median is reported).") var repetitions = 7
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-opus-silk-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var lines = [
            "Opus SILK/hybrid copies (opusenc --speech, \(seconds) s): 1 s extractions vs libopusfile's continuous decode", "",
            "| signal | kb/s | import s | restart points | unconverged | start s | pre-roll | median ms | worst LSB |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        var results: [JSONValue] = []
        for (number, signal) in [StudySignal.vowel, .fieldRecording].enumerated() {
            let wav = folder + "/signal\(number).wav"
            try signal.writeWAV(path: wav, seconds: seconds)
            for kbps in bitrates.split(separator: ",").compactMap({ Int($0) }) {
                log("\(signal) at \(kbps) kb/s ...")
                let file = folder + "/signal\(number)-\(kbps).opus"
                let opusenc = ProcessInfo.processInfo.environment["PATH"].flatMap { path in
                    path.split(separator: ":").map { "\($0)/opusenc" }.first { FileManager.default.isExecutableFile(atPath: $0) }
                } ?? "/usr/bin/opusenc"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: opusenc)
                process.arguments = ["--quiet", "--speech", "--bitrate", String(kbps), wav, file]
                try process.run()
                process.waitUntilExit()
                let store = FilesystemStore(root: folder + "/signal\(number)-\(kbps).zarr")
                let group = try ZarrGroup.create(in: store, at: "0")
                let (_, importSeconds) = try await timed { try await OpusBackend().importToZarr(from: ImportSource.checksummed(file), into: group, options: ImportOptions()) }
                let recording = try ZarrGroup.open(in: store, at: "0")
                let reader = try OpusBackend().openOpusRecording(recording)
                let accuracy = recording.attributes[RecordingLayout.attributeKey]?["extraction_accuracy"]
                let reference = try OpusReferenceDecoders.OpusFile(path: file).continuous(count: Int(reader.totalSamples))
                for startSeconds in [2, 10, 30, 58, 75] where Int64(startSeconds + 1) * 48_000 <= reader.totalSamples {
                    let start = Int64(startSeconds) * 48_000
                    var times: [Double] = []
                    var extracted: [Float] = []
                    for _ in 0..<repetitions {
                        let (samples, elapsed) = try timed { try reader.extractFloat(start..<start + 48_000) }
                        times.append(elapsed)
                        extracted = samples
                    }
                    let channels = reader.channelCount
                    let expected = reference[Int(start) * channels..<Int(start + 48_000) * channels]
                    let worst = zip(extracted, expected).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } * 32768
                    let choice = try reader.preRollChoice(before: start)
                    let median = times.sorted()[times.count / 2] * 1000
                    lines.append("| \(signal) | \(kbps) | \(String(format: "%.2f", importSeconds)) | \(reader.restartPoints.count) | \(accuracy?["unconverged_restarts"]?.intValue ?? 0) | \(startSeconds) | \(choice.reason) \(String(format: "%.2f", Double(choice.samples) / 48_000)) s | \(String(format: "%.2f", median)) | \(String(format: "%.2f", worst)) |")
                    results.append([
                        "signal": .string(signal.description), "kbps": .int(Int64(kbps)), "import_s": .double(importSeconds),
                        "restart_points": .int(Int64(reader.restartPoints.count)), "start_s": .int(Int64(startSeconds)),
                        "pre_roll": .string("\(choice.reason)"), "pre_roll_s": .double(Double(choice.samples) / 48_000),
                        "median_ms": .double(median), "worst_lsb": .double(Double(worst)),
                    ])
                }
            }
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }
}
