import AudioInput
import CodecCore
import Foundation
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// Makes test audio with reference tools and imports it.
enum FLACFixtures {
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
    static let flac = ProcessRunner.which("flac") ?? "/usr/bin/flac"

    /// A WAV of a chirp mixed with noise (so every frame differs), made by sox.
    static func wav(in folder: TemporaryFolder, rate: Int, bits: Int, channels: Int, seconds: Double, name: String = "source.wav") throws -> String {
        try wav(in: folder, rate: rate, bits: bits, channels: channels, duration: String(seconds), name: name, synthesisRate: nil)
    }

    /// The same, `frames` samples per channel long.
    static func wav(in folder: TemporaryFolder, rate: Int, bits: Int, channels: Int, frames: Int, name: String = "source.wav") throws -> String {
        // Synthesised at the file's rate, so that sox counts the samples at that rate.
        try wav(in: folder, rate: rate, bits: bits, channels: channels, duration: "\(frames)s", name: name, synthesisRate: rate)
    }

    /// `duration` in sox's notation (seconds, or samples at `synthesisRate` with a trailing "s";
    /// nil: sox's default synthesis rate, resampled to `rate`).
    private static func wav(in folder: TemporaryFolder, rate: Int, bits: Int, channels: Int, duration: String, name: String, synthesisRate: Int?) throws -> String {
        let path = folder.path + "/" + name
        try ProcessRunner.run(sox, (synthesisRate.map { ["-r", String($0)] } ?? []) + [
            // WAV stores 8-bit samples unsigned, deeper ones signed.
            "-n", "-r", String(rate), "-b", String(bits), "-c", String(channels), "-e", bits == 8 ? "unsigned-integer" : "signed-integer", path,
            "synth", duration, "sine", "100-\(rate / 3)", "synth", duration, "whitenoise", "mix", "vol", "0.6",
        ])
        return path
    }

    /// `source` encoded by the flac CLI with extra arguments.
    static func flacFile(from source: String, in folder: TemporaryFolder, arguments: [String], name: String = "source.flac") throws -> String {
        let path = folder.path + "/" + name
        try ProcessRunner.run(flac, ["-s", "-f", "--lax"] + arguments + ["-o", path, source])
        return path
    }

    /// Imports `path` into a fresh recording group of a filesystem store.
    static func importFile(_ path: String, in folder: TemporaryFolder, options: ImportOptions = ImportOptions()) async throws -> (ZarrGroup, ImportReport) {
        let store = FilesystemStore(root: folder.path + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        let report = try await FLACBackend().importToZarr(from: ImportSource.checksummed(path), into: group, options: options)
        return (try ZarrGroup.open(in: store, at: "0"), report)
    }

    /// All samples of a file as libsndfile decodes it (native integers, interleaved).
    static func referenceSamples(_ path: String) throws -> [Int32] {
        let reader = try PCMFileReader(path: path)
        var all: [Int32] = []
        var block: [Int32] = []
        while try reader.read(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return all
    }

    /// Frames as the flac CLI's analysis mode reports them: (byte offset, block size).
    static func analyzedFrames(_ path: String, in folder: TemporaryFolder) throws -> [(offset: Int64, blockSize: Int)] {
        let analysis = folder.path + "/analysis.ana"
        try ProcessRunner.run(flac, ["-s", "-f", "-a", "-o", analysis, path])
        return try String(contentsOfFile: analysis, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("frame=") else { return nil }
            var fields: [String: String] = [:]
            for pair in line.split(separator: "\t") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return (Int64(fields["offset"]!)!, Int(fields["blocksize"]!)!)
        }
    }
}
