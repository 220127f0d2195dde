import ArgumentParser
import AudioImport
import CodecCore
import Foundation
import ZarrStore

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract a sample range of a recording.",
        discussion: """
            Ranges are half-open, in the recording's own sample rate. By default the output keeps the \
            recording's bit depth (a 24-bit source gives a 24-bit WAV) and its original sample rate. \
            The output format follows the extension (.wav, .flac, .raw); '-' writes raw interleaved \
            little-endian samples to stdout. \
            Example: aimport extract --store season.zarr 3 --from 12.5 --duration 2 --output call.wav
            """)

    @Option(help: "The Zarr store (a folder).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var at: String = ""
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "First sample.") var start: Int64?
    @Option(help: "End sample (exclusive).") var end: Int64?
    @Option(name: .customLong("from"), help: "Start in seconds.") var fromSeconds: Double?
    @Option(help: "Length in seconds.") var duration: Double?
    @Option(help: "s16, s32 or f32 (default: the recording's own depth).") var format: String?
    @Option(help: "Output file (.wav, .flac, .raw) or - for stdout.") var output: String

    func validate() throws {
        guard (start != nil && end != nil) != (fromSeconds != nil && duration != nil) else {
            throw ValidationError("give either --start and --end, or --from and --duration")
        }
        if let format, !["s16", "s32", "f32"].contains(format) { throw ValidationError("--format must be s16, s32 or f32") }
    }

    func run() async throws {
        do {
            let archive = try AudioArchive.openOrCreate(storePath: store, group: at)
            let group = try archive.recording(id)
            let codec = group.attributes["zarrwlr"]?["codec"]?.stringValue ?? ""
            guard let backend = AudioCodecs.registry.backend(for: CodecID(codec)) else {
                throw CodecError(.unsupported, "recording \(id) uses codec '\(codec)', which this build does not have")
            }
            let reader = try backend.init().openRecording(group)
            let range: Range<Int64>
            if let start, let end {
                guard start <= end else { throw CodecError(.invalidArgument, "--start \(start) is after --end \(end)") }
                range = start..<end
            } else {
                let first = Int64((fromSeconds! * Double(reader.sampleRate)).rounded())
                range = first..<first + Int64((duration! * Double(reader.sampleRate)).rounded())
            }
            let sampleFormat: SampleFormat = switch format {
            case "s16": .int16
            case "f32": .float32
            case "s32": .int32
            default: reader.bitsPerSample <= 16 ? .int16 : .int32
            }
            let buffer = try reader.extract(range, as: sampleFormat)
            try write(buffer, bits: sampleFormat == .int32 && format == "s32" ? 32 : reader.bitsPerSample)
        } catch let error as CodecError {
            fail(error)
            throw ExitCode(ExitStatus.for(error))
        }
    }

    private func write(_ buffer: PCMBuffer, bits: Int) throws(CodecError) {
        let lower = output.lowercased()
        if output == "-" || lower.hasSuffix(".raw") {
            let bytes: [UInt8] = switch buffer.samples {
            case .int16(let s): s.withUnsafeBytes { Array($0) }
            case .int32(let s): s.withUnsafeBytes { Array($0) }
            case .float32(let s): s.withUnsafeBytes { Array($0) }
            }
            if output == "-" {
                FileHandle.standardOutput.write(Data(bytes))
            } else if !FileManager.default.createFile(atPath: output, contents: Data(bytes)) {
                throw CodecError(.storage, "cannot create the output file", file: output)
            }
            return
        }
        guard lower.hasSuffix(".wav") || lower.hasSuffix(".flac") else {
            throw CodecError(.invalidArgument, "the output must end in .wav, .flac or .raw, or be -", file: output)
        }
        let depth: Int? = switch buffer.samples {
        case .float32: nil
        case .int16: 16
        case .int32: bits
        }
        let writer = try PCMFileWriter(
            path: output, container: lower.hasSuffix(".flac") ? .flac : .wav, sampleRate: buffer.sampleRate,
            channelCount: buffer.channelCount, bitsPerSample: depth)
        try writer.write(buffer)
    }
}
