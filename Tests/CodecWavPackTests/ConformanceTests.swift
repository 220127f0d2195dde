import CodecConformance
import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import CodecWavPack

/// The WavPack backend passes the public conformance suite, for an encoded float WAV and a
/// copied .wv file made by the wavpack CLI.
@Suite struct WavPackConformanceTests {
    @Test(arguments: ["float", "copied"])
    func conforms(_ kind: String) async throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        let wav = folder.path + "/source.wav"
        if kind == "float" {
            try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "32", "-e", "floating-point", "-c", "2", wav, "synth", "1", "sine", "200-9000", "synth", "1", "pinknoise", "mix", "vol", "0.3"])
        } else {
            try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "3", wav, "synth", "1", "sine", "200-9000", "synth", "1", "pinknoise", "mix", "vol", "0.6"])
        }
        let source = kind == "float" ? wav : folder.path + "/source.wv"
        if kind == "copied" {
            try ProcessRunner.run(ProcessRunner.which("wavpack") ?? "/usr/bin/wavpack", ["-q", "-y", "--blocksize=2048", wav, "-o", source])
        }
        let reader = try PCMFileReader(path: wav)
        let reference: ConformanceSuite<WavPackBackend>.Reference
        if kind == "float" {
            var all: [Float] = [], block: [Float] = []
            while try reader.readFloat(maxFrames: 1 << 16, into: &block) > 0 { all += block }
            reference = .init(samples: .float32(all), format: .float32)
        } else {
            var all: [Int32] = [], block: [Int32] = []
            while try reader.read(maxFrames: 1 << 16, into: &block) > 0 { all += block }
            reference = .init(samples: .int32(all), format: .int32)
        }
        let failures = try await ConformanceSuite(WavPackBackend(), source: source, reference: reference).run()
        #expect(failures.isEmpty, "\(failures)")
    }
}
