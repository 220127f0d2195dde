import ArgumentParser
import CodecCore
import CodecOpus
import Foundation
import TestSupport
import ZarrStore

/// How long the decoder pre-roll must be for an extraction to equal libopusfile's continuous
/// decode, over signals that stress the decoder state (full-scale tones with strong harmonics,
/// noise, sweeps, plucks, a sustained vowel) encoded at bitrates from SILK to CELT territory.
struct OpusPreRollStudy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "opus-preroll", abstract: "Opus pre-roll against the continuous decode.")

    @Option(help: "Seconds of each signal.") var seconds = 20
    @Option(help: "Random segments per encoding.") var segments = 60
    @Option(help: "Bitrates in kb/s.") var bitrates = "12,24,64,160,510"
    @Option(help: "Encode with this opusenc executable (libopus picks SILK, hybrid or CELT per packet) instead of our importer (CELT only); the stream is then copied 1:1, as an Ogg Opus source would be.")
    var opusenc: String?
    @Flag(help: "Our import with inter-frame prediction (aimport --opus-prediction).") var prediction = false
    @Option(help: "Write the results as JSON to this file.") var json: String?

    private static let fixedPreRolls = [0.04, 0.08, 0.3, 0.4, 0.5, 1.0]

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-opus-preroll-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let encoder = opusenc.map { "opusenc (\($0)), copied 1:1" }
            ?? "our import: libopusenc, CELT only, \(prediction ? "inter-frame prediction" : "independent frames"), 20 ms frames, complexity 10"
        var lines = [
            "Opus pre-roll: largest difference from libopusfile's continuous decode, in 16-bit LSB, over \(segments) random 0.5 s segments of \(seconds) s per encoding (\(encoder))", "",
            "| signal | kb/s | SNR dB | default chose: independent / CELT-only / switch or start / 1 s | default | " + Self.fixedPreRolls.map { "\(Int($0 * 1000)) ms" }.joined(separator: " | ") + " |",
            "|---|---|---|---|---|" + String(repeating: "---|", count: Self.fixedPreRolls.count),
        ]
        var results: [JSONValue] = []
        for (number, signal) in StudySignal.allCases.enumerated() {
            let wav = folder + "/signal\(number).wav"
            try signal.writeWAV(path: wav, seconds: seconds)
            for kbps in bitrates.split(separator: ",").compactMap({ Int($0) }) {
                log("\(signal) at \(kbps) kb/s ...")
                let (row, result) = try await measure(wav: wav, label: signal.description, kbps: kbps, folder: folder + "/signal\(number)-\(kbps)")
                lines.append(row)
                results.append(result)
            }
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    private func measure(wav: String, label: String, kbps: Int, folder: String) async throws -> (String, JSONValue) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = FilesystemStore(root: folder + "/store.zarr")
        var options = ImportOptions()
        options.set("bitrate", String(kbps * 1000), for: OpusBackend.codecID)
        options.set("prediction", String(prediction), for: OpusBackend.codecID)
        var source = wav
        if let opusenc {
            source = folder + "/opusenc.opus"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opusenc)
            process.arguments = ["--quiet", "--bitrate", String(kbps), wav, source]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchmarkError("opusenc failed on \(wav)") }
        }
        _ = try await OpusBackend().importToZarr(from: ImportSource.checksummed(source), into: try ZarrGroup.create(in: store, at: "0"), options: options)
        let recording = try ZarrGroup.open(in: store, at: "0")
        let plain = folder + "/stream.opus"
        try exportBlob(try BlobReader(try recording.array(RecordingLayout.blobArrayName)), to: plain)
        let standard = try OpusBackend().openOpusRecording(recording)
        let channels = standard.channelCount
        let reference = try OpusReferenceDecoders.OpusFile(path: plain).continuous(count: Int(standard.totalSamples))
        let length: Int64 = 24_000
        var generator = SeededGenerator(state: UInt64(kbps))  // the same segments every run
        let starts = (0..<segments).map { _ in Int64.random(in: 48_000...(standard.totalSamples - length), using: &generator) }

        func worst(_ reader: Opus.RecordingReader) throws -> Double {
            var largest: Float = 0
            for start in starts {
                let extracted = try reader.extractFloat(start..<start + length)
                let expected = reference[Int(start) * channels..<Int(start + length) * channels]
                largest = max(largest, zip(extracted, expected).map { abs($0 - $1) }.max() ?? 0)
            }
            return Double(largest) * 32768
        }
        var reasons: [Opus.PreRoll.Reason] = []
        for start in starts { reasons.append(try standard.preRollChoice(before: start).reason) }
        func count(_ reason: Opus.PreRoll.Reason) -> Int { reasons.filter { $0 == reason }.count }
        let standardWorst = try worst(standard)
        var fixedWorst: [Double] = []
        for seconds in Self.fixedPreRolls {
            fixedWorst.append(try worst(try OpusBackend().openOpusRecording(recording, preRollSeconds: seconds)))
        }
        let snr = try TestSignal.snr(wav: wav, decoded: reference)
        let row = "| \(label) | \(kbps) | \(ResultRow.format(snr, digits: 2)) | \(count(.independentFrames)) / \(count(.celtOnly)) / \(count(.modeSwitch) + count(.streamStart)) / \(count(.fixed)) | \(fmt(standardWorst)) | "
            + fixedWorst.map(fmt).joined(separator: " | ") + " |"
        var fixed: [String: JSONValue] = [:]
        for (seconds, value) in zip(Self.fixedPreRolls, fixedWorst) { fixed["\(Int(seconds * 1000))ms"] = .double(value) }
        let result: JSONValue = [
            "signal": .string(label), "kbps": .int(Int64(kbps)), "snr_db": .double(snr), "default_worst_lsb": .double(standardWorst), "fixed_worst_lsb": .object(fixed),
            "paths": [
                "independent": .int(Int64(count(.independentFrames))), "celt_only": .int(Int64(count(.celtOnly))),
                "mode_switch_or_start": .int(Int64(count(.modeSwitch) + count(.streamStart))), "fixed": .int(Int64(count(.fixed))),
            ],
        ]
        return (row, result)
    }

    private func fmt(_ lsb: Double) -> String {
        ResultRow.format(lsb, digits: lsb < 10 ? 2 : 0)
    }
}

/// The study's signals, generated here (48 kHz, 16 bit).
enum StudySignal: CaseIterable, CustomStringConvertible {
    case sawtooth, square, noise, sweep, plucks, vowel, fieldRecording

    var description: String {
        switch self {
        case .sawtooth: "sawtooth 55 Hz, full scale"
        case .square: "square 110 Hz, full scale"
        case .noise: "white noise, stereo"
        case .sweep: "sweep 20 Hz-20 kHz, stereo"
        case .plucks: "plucked string every 0.5 s"
        case .vowel: "sustained vowel 300/600/900 Hz"
        case .fieldRecording: "field recording (benchmark signal)"
        }
    }

    var channels: Int { self == .noise || self == .sweep ? 2 : 1 }

    func writeWAV(path: String, seconds: Int) throws {
        if self == .fieldRecording {
            try TestSignal.writeWAV(path: path, sampleRate: 48_000, seconds: seconds)
            return
        }
        let rate = 48_000.0, frames = 48_000 * seconds
        var random = SeededGenerator(state: 1)
        var samples: [Int16] = []
        samples.reserveCapacity(frames * channels)
        for i in 0..<frames {
            let t = Double(i) / rate
            for _ in 0..<channels {
                let value: Double
                switch self {
                case .sawtooth: value = 0.98 * (2 * (t * 55).truncatingRemainder(dividingBy: 1) - 1)
                case .square: value = (t * 110).truncatingRemainder(dividingBy: 1) < 0.5 ? 0.98 : -0.98
                case .noise: value = 0.9 * Double.random(in: -1...1, using: &random)
                case .sweep: value = 0.98 * sin(2 * .pi * 20 * Double(seconds) / log(1000) * (exp(t / Double(seconds) * log(1000)) - 1))
                case .plucks:
                    let since = t.truncatingRemainder(dividingBy: 0.5)
                    value = 0.9 * exp(-since * 6) * (1...8).map { sin(2 * .pi * 65.4 * Double($0) * since) / Double($0) }.reduce(0, +)
                case .vowel: value = 0.5 * (sin(2 * .pi * 300 * t) + sin(2 * .pi * 600 * t) + sin(2 * .pi * 900 * t)) / 3
                case .fieldRecording: value = 0
                }
                samples.append(Int16(max(-32768, min(32767, (value * 32767).rounded()))))
            }
        }
        var data = TestSignal.wavHeader(sampleRate: 48_000, channels: channels, frames: frames)
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
