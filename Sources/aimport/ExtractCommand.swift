import ArgumentParser
import AudioImport
import AudioInput
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
    @Option(help: "Parallel workers for --ranges (at least 1).") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "s16, s32 or f32 (default: the recording's own depth).") var format: String?
    @Option(help: "Channels to keep, 0-based in the recording's order, e.g. 0,3,7 (default: all).") var channels: String?
    @Option(help: "Output file (.wav, .flac, .raw) or - for stdout.") var output: String

    /// The largest position in seconds accepted (about 30 years at 1 MHz stays far from Int64 overflow).
    static let maximumSeconds = 1e9

    func validate() throws {
        let choices = [start != nil && end != nil, fromSeconds != nil && duration != nil, ranges != nil].filter { $0 }.count
        guard choices == 1, (start == nil) == (end == nil), (fromSeconds == nil) == (duration == nil) else {
            throw ValidationError("give one of: --start and --end, --from and --duration, or --ranges FILE")
        }
        if let start, let end {
            guard start >= 0 else { throw ValidationError("--start must be 0 or more, not \(start)") }
            guard end >= start else { throw ValidationError("--end \(end) is before --start \(start)") }
        }
        if let fromSeconds {
            guard fromSeconds.isFinite, fromSeconds >= 0, fromSeconds <= Self.maximumSeconds else {
                throw ValidationError("--from must be a number of seconds from 0 to \(Int(Self.maximumSeconds)), not \(fromSeconds)")
            }
        }
        if let duration {
            guard duration.isFinite, duration > 0, duration <= Self.maximumSeconds else {
                throw ValidationError("--duration must be a positive number of seconds up to \(Int(Self.maximumSeconds)), not \(duration)")
            }
        }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, not \(workers)") }
        if let format, !["s16", "s32", "f32"].contains(format) { throw ValidationError("--format must be s16, s32 or f32") }
        if let channels {
            guard Self.channelList(channels) != nil else {
                throw ValidationError("--channels must be 0-based channel numbers separated by commas, e.g. 0,3,7, not '\(channels)'")
            }
        }
        let lower = output.lowercased()
        guard output == "-" || lower.hasSuffix(".wav") || lower.hasSuffix(".flac") || lower.hasSuffix(".raw") else {
            throw ValidationError("--output must end in .wav, .flac or .raw, or be -")
        }
    }

    func run() async throws {
        do {
            let reader = try location.archive().reader(for: id)
            var wanted: [Range<Int64>] = []
            if let start, let end {
                wanted = [start..<end]
            } else if let fromSeconds, let duration {
                let rate = Double(reader.sampleRate)
                let first = Int64((fromSeconds * rate).rounded())
                wanted = [first..<first + Int64((duration * rate).rounded())]
            } else if let ranges {
                wanted = try Self.readRanges(ranges)
            }
            for range in wanted where range.upperBound > reader.totalSamples {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(reader.totalSamples), \(String(format: "%.3f", Double(reader.totalSamples) / Double(reader.sampleRate))) s)", recording: id)
            }
            let sampleFormat: SampleFormat = switch format {
            case "s16": .int16
            case "f32": .float32
            case "s32": .int32
            default: reader.bitsPerSample <= 16 ? .int16 : .int32
            }
            let picked = channels.flatMap(Self.channelList)
            if let picked, let bad = picked.first(where: { $0 >= reader.channelCount }) {
                throw CodecError(.invalidArgument, "--channels names channel \(bad), the recording has \(reader.channelCount) (0...\(reader.channelCount - 1))", recording: id)
            }
            let sink = try SegmentSink(output: output, format: sampleFormat, explicitS32: format == "s32", reader: reader, channels: picked)
            // Segments go to the output in file order as they are done: memory holds at most
            // `workers` of them, whatever the number of ranges.
            var sinkFailure: (any Error)?
            do {
                try await BoundedTasks.forEachInOrder(wanted, workers: workers, { range throws(CodecError) in try reader.extract(range, as: sampleFormat) }) { _, buffer throws(CodecError) in
                    do { try sink.write(buffer) } catch {
                        sinkFailure = error  // stops the remaining extractions; rethrown below as it was
                        throw CodecError(.storage, "the output failed")
                    }
                }
            } catch {
                throw sinkFailure ?? error
            }
            try sink.finish()
        } catch let error as CodecError {
            fail(error.inRecording(id))
            throw ExitCode(ExitStatus.for(error))
        } catch is ByteOutput.PipeClosed {
            return  // the reader of stdout went away (| head): end quietly
        }
    }

    /// "0,3,7" as channel numbers; nil when malformed.
    static func channelList(_ text: String) -> [Int]? {
        let numbers = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0.map { $0 >= 0 } ?? false }) else { return nil }
        return numbers.compactMap { $0 }
    }

    /// The ranges of the file `path` (``RangesFile``).
    static func readRanges(_ path: String) throws(CodecError) -> [Range<Int64>] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CodecError(.noInput, "cannot read the ranges file", file: path)
        }
        return try RangesFile.parse(text, file: path)
    }
}

/// Where extracted segments go, one after another: raw samples (stdout or .raw) or a WAV/FLAC
/// file written by libsndfile as the segments arrive.
final class SegmentSink {
    private let raw: ByteOutput?
    private let writer: PCMFileWriter?
    /// 32-bit output (s32, and raw integer output) is full scale: native values left-justified.
    private let shift: Int32
    /// The channels kept, in output order (nil: all).
    private let channels: [Int]?
    private let sourceChannels: Int

    init(output: String, format: SampleFormat, explicitS32: Bool, reader: any RecordingReader, channels: [Int]? = nil) throws(CodecError) {
        self.channels = channels
        sourceChannels = reader.channelCount
        let lower = output.lowercased()
        let isRaw = output == "-" || lower.hasSuffix(".raw")
        let fullScale = format == .int32 && (explicitS32 || isRaw)
        shift = fullScale ? Int32(32 - reader.bitsPerSample) : 0
        if isRaw {
            raw = output == "-" ? ByteOutput.standardOutput() : try ByteOutput.file(output)
            writer = nil
        } else {
            raw = nil
            let depth: Int? = switch format {
            case .float32: nil
            case .int16: 16
            case .int32: fullScale ? 32 : reader.bitsPerSample
            }
            writer = try PCMFileWriter(
                path: output, container: lower.hasSuffix(".flac") ? .flac : .wav, sampleRate: reader.sampleRate,
                channelCount: channels?.count ?? reader.channelCount, bitsPerSample: depth)
        }
    }

    func write(_ buffer: PCMBuffer) throws {
        var buffer = channels.map { Self.select($0, of: buffer, from: sourceChannels) } ?? buffer
        if shift > 0, case .int32(let native) = buffer.samples { buffer.samples = .int32(native.map { $0 << shift }) }
        if let writer { return try writer.write(buffer) }
        guard let raw else { return }
        switch buffer.samples {
        case .int16(let s): try s.withUnsafeBytes { try raw.write($0) }
        case .int32(let s): try s.withUnsafeBytes { try raw.write($0) }
        case .float32(let s): try s.withUnsafeBytes { try raw.write($0) }
        }
    }

    /// The channels `picked` of an interleaved buffer, in that order.
    static func select(_ picked: [Int], of buffer: PCMBuffer, from width: Int) -> PCMBuffer {
        func pick<T>(_ samples: [T]) -> [T] {
            let frames = samples.count / width
            var out: [T] = []
            out.reserveCapacity(frames * picked.count)
            for frame in 0..<frames { for c in picked { out.append(samples[frame * width + c]) } }
            return out
        }
        let samples: PCMBuffer.Samples = switch buffer.samples {
        case .int16(let s): .int16(pick(s))
        case .int32(let s): .int32(pick(s))
        case .float32(let s): .float32(pick(s))
        }
        return PCMBuffer(samples: samples, channelCount: picked.count, sampleRate: buffer.sampleRate, bitsPerSample: buffer.bitsPerSample)
    }

    func finish() throws(CodecError) {
        try raw?.finish()
        try writer?.close()
    }
}
