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
            little-endian samples to stdout: s16 for recordings of 16 bits or fewer, else full-scale s32. \
            Example: aimport extract --store season.zarr 3 --from 12.5 --duration 2 --output call.wav
            """)

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "First sample.") var start: Int64?
    @Option(help: "End sample (exclusive).") var end: Int64?
    @Option(name: .customLong("from"), help: "Start in seconds.") var fromSeconds: Double?
    @Option(help: "Length in seconds.") var duration: Double?
    @Option(help: "A file of 'start end' sample pairs, one per line: all are extracted (in parallel) and written concatenated in file order.")
    var ranges: String?
    @Option(help: "Parallel workers for --ranges.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "s16, s32 or f32 (default: the recording's own depth).") var format: String?
    @Option(help: "Output file (.wav, .flac, .raw) or - for stdout.") var output: String

    func validate() throws {
        let choices = [start != nil && end != nil, fromSeconds != nil && duration != nil, ranges != nil].filter { $0 }.count
        guard choices == 1 else {
            throw ValidationError("give one of: --start and --end, --from and --duration, or --ranges FILE")
        }
        if let format, !["s16", "s32", "f32"].contains(format) { throw ValidationError("--format must be s16, s32 or f32") }
    }

    func run() async throws {
        do {
            let reader = try location.archive().reader(for: id)
            var wanted: [Range<Int64>] = []
            if let start, let end {
                guard start <= end else { throw CodecError(.invalidArgument, "--start \(start) is after --end \(end)") }
                wanted = [start..<end]
            } else if let fromSeconds, let duration {
                let first = Int64((fromSeconds * Double(reader.sampleRate)).rounded())
                wanted = [first..<first + Int64((duration * Double(reader.sampleRate)).rounded())]
            } else if let ranges {
                wanted = try Self.readRanges(ranges)
            }
            let sampleFormat: SampleFormat = switch format {
            case "s16": .int16
            case "f32": .float32
            case "s32": .int32
            default: reader.bitsPerSample <= 16 ? .int16 : .int32
            }
            var buffer = Self.concatenated(try await reader.extract(wanted, as: sampleFormat, workers: workers))
            // 32-bit output (s32, and raw integer output) is full scale: native values left-justified.
            let raw = output == "-" || output.lowercased().hasSuffix(".raw")
            var bits = reader.bitsPerSample
            if case .int32(let native) = buffer.samples, format == "s32" || raw {
                let shift = Int32(32 - reader.bitsPerSample)
                buffer.samples = .int32(shift > 0 ? native.map { $0 << shift } : native)
                bits = 32
            }
            try write(buffer, bits: bits)
        } catch let error as CodecError {
            fail(error)
            throw ExitCode(ExitStatus.for(error))
        }
    }

    /// 'start end' pairs, one per line; blank lines and lines starting with # are skipped.
    static func readRanges(_ path: String) throws(CodecError) -> [Range<Int64>] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CodecError(.noInput, "cannot read the ranges file", file: path)
        }
        var result: [Range<Int64>] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 2, let start = Int64(fields[0]), let end = Int64(fields[1]), start <= end else {
                throw CodecError(.invalidArgument, "line \(number + 1) is not 'start end' with start <= end: '\(line)'", file: path)
            }
            result.append(start..<end)
        }
        return result
    }

    /// The buffers one after another (all share format, channels and rate), copied once.
    static func concatenated(_ buffers: [PCMBuffer]) -> PCMBuffer {
        guard var result = buffers.first else { return PCMBuffer(samples: .int16([]), channelCount: 1, sampleRate: 1, bitsPerSample: 16) }
        guard buffers.count > 1 else { return result }
        func joined<T>(_ pick: (PCMBuffer.Samples) -> [T]?) -> [T] {
            var all: [T] = []
            all.reserveCapacity(buffers.reduce(0) { $0 + (pick($1.samples)?.count ?? 0) })
            for buffer in buffers { all.append(contentsOf: pick(buffer.samples) ?? []) }
            return all
        }
        switch result.samples {
        case .int16: result.samples = .int16(joined { if case .int16(let s) = $0 { s } else { nil } })
        case .int32: result.samples = .int32(joined { if case .int32(let s) = $0 { s } else { nil } })
        case .float32: result.samples = .float32(joined { if case .float32(let s) = $0 { s } else { nil } })
        }
        return result
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
