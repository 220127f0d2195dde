import ArgumentParser
import ZarrwlrArchive
import AudioInput
import CodecCore
import Foundation
import ZarrStore

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract a sample range of a recording, or a wall-clock span across recordings.",
        discussion: """
            Ranges are half-open, in the recording's own sample rate; with an id and no range, the whole \
            recording (read a run at a time, so memory does not grow with its length). By default the output keeps the \
            recording's format: its bit depth (a 24-bit source gives a 24-bit WAV), 32-bit floats for a \
            float recording, and its original sample rate. \
            The output format follows the extension (.wav, .flac, .raw); '-' writes raw interleaved \
            little-endian samples to stdout: s16 for recordings of 16 bits or fewer, f32 for float \
            recordings, else full-scale s32. FLAC holds integers of up to 24 bits: a float or 32-bit \
            recording goes to FLAC only with --format s16 (quantised). Any conversion that clips samples \
            beyond full scale says how many on stderr. An existing output file is replaced only with --force. \
            WAV output carries a GUANO chunk (Timestamp of the first sample when the start is known and the output is one range, \
            Make, Model, Serial, Samplerate, Length, Original Filename, zarrwlr|Recording and \
            zarrwlr|First Sample); FLAC output carries the same text as its COMMENT and the \
            timestamp as its DATE. With --at (no id) the recordings covering the span are found from \
            their start instants and lengths and stitched sample-exactly; a gap is refused unless \
            --fill-gaps, recordings of several devices unless --device. \
            Examples: aimport extract --store season.zarr 3 --from 12.5 --duration 2 --output call.wav; \
            aimport extract --store season.zarr --at 2025-04-16T04:30:00Z --duration 5 --output dawn.wav
            """)

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recording's id (not with --at).") var id: String?
    @Option(help: "First sample.") var start: Int64?
    @Option(help: "End sample (exclusive).") var end: Int64?
    @Option(name: .customLong("from"), help: "Start in seconds.") var fromSeconds: Double?
    @Option(help: "Length in seconds (with --from or --at).") var duration: Double?
    @Option(help: "A file of 'start end' sample pairs, one per line (- reads standard input): all are extracted (in parallel) and written concatenated in file order.")
    var ranges: String?
    @Option(help: "Wall-clock start: ISO 8601 with Z or an offset, fractional seconds allowed (e.g. 2025-04-16T04:30:00.5+02:00).")
    var at: String?
    @Flag(help: "With --at: fill gaps between recordings with zeros (reported on stderr) instead of refusing.") var fillGaps = false
    @Option(help: "With --at: only recordings of this device (AudioMoth id, GUANO serial, Wildlife Acoustics wamd serial, or the 'device' of --meta).") var device: String?
    @Option(help: "Parallel workers for --ranges (1 to 256).") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "s16, s32 or f32 (default: the recording's own format: s16 up to 16 bits, s32 deeper, f32 for float recordings).") var format: String?
    @Option(help: "Channels to keep, 0-based in the recording's order, e.g. 0,3,7 (default: all).") var channels: String?
    @Option(help: "Output file (.wav, .flac, .raw) or - for stdout.") var output: String?
    @Flag(help: "Replace an existing output file.") var force = false
    @Option(help: "Clips: one file per row of this layer of the archive (aimport annotate), into --output-dir.") var layer: String?
    @Option(help: "Clips: one file per row of this selection or detection table (Raven, BirdNET, CSV), placed as `annotate import` does, without importing it (- reads standard input); the recording id argument is the recording of a table that names no files.")
    var selections: String?
    @Option(name: .customLong("where"), help: "Clips: only rows meeting this condition, e.g. 'label == \"Turdus merula\" and confidence >= 0.8' (fields: label, confidence, recording, channel, low_hz, high_hz, duration, line, or a column of the table).")
    var condition: String?
    @Option(help: "Clips: seconds added before and after each row's span (cut at the recording's ends).") var pad: Double = 0
    @Option(help: "Clips: the folder the clips go to (created if missing).") var outputDir: String?
    @Option(help: "Clips: the file name template ({label}, {recording}, {offset}: the clip's first second in its recording, {confidence}, {line}, {layer}); .wav added unless it ends in .wav or .flac.")
    var name: String = ClipExtraction.defaultTemplate
    @Option(help: "With --selections: column names (field=Column pairs, as `annotate import --columns`).") var columns: String?
    @Option(help: "With --selections: the time zone of the table's Begin Date and Begin Clock Time (default UTC).") var timezone: String?

    /// The largest position in seconds accepted (about 30 years at 1 MHz stays far from Int64 overflow).
    static let maximumSeconds = 1e9

    /// Whether clips are asked for (one file per row of a layer or table).
    private var makesClips: Bool { layer != nil || selections != nil }

    func validate() throws {
        if makesClips {
            try validateClips()
        } else {
            guard output != nil else { throw ValidationError("give --output FILE (or --layer/--selections with --output-dir for clips)") }
            guard condition == nil, outputDir == nil, pad == 0, columns == nil, timezone == nil, name == ClipExtraction.defaultTemplate else {
                throw ValidationError("--where, --pad, --output-dir, --name, --columns and --timezone go with --layer or --selections")
            }
        }
        try validateCommon()
    }

    private func validateClips() throws {
        guard (layer == nil) != (selections == nil) else { throw ValidationError("give --layer or --selections, not both") }
        guard outputDir != nil, output == nil else { throw ValidationError("clips go to --output-dir FOLDER (not --output)") }
        guard start == nil, end == nil, fromSeconds == nil, duration == nil, ranges == nil, at == nil, !fillGaps else {
            throw ValidationError("clips take their spans from the rows: no --start/--end, --from/--duration, --ranges or --at")
        }
        guard layer == nil || id == nil else { throw ValidationError("--layer takes no recording id (use --where 'recording == \"3\"')") }
        guard pad.isFinite, pad >= 0, pad <= 3600 else { throw ValidationError("--pad must be 0 to 3600 seconds, not \(pad)") }
        if let timezone, TimeZoneSpec(timezone) == nil {
            throw ValidationError("--timezone must be an offset such as +02:00 or Z, or an IANA time zone name such as Europe/Berlin, not '\(timezone)'")
        }
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name is a file name template without '/', not '\(name)'") }
    }

    private func validateCommon() throws {
        guard !makesClips else { return try validateOutputOptions() }
        if let at {
            guard id == nil, start == nil, end == nil, fromSeconds == nil, ranges == nil, duration != nil else {
                throw ValidationError("--at takes --duration and no recording id, --start/--end, --from or --ranges")
            }
            guard Instant(at) != nil else {
                throw ValidationError("--at must be ISO 8601 with seconds and Z or an offset (2025-04-16T04:30:00Z), not '\(at)'")
            }
        } else {
            guard id != nil else { throw ValidationError("give a recording id, or --at INSTANT --duration SECONDS") }
            guard !fillGaps, device == nil else { throw ValidationError("--fill-gaps and --device go with --at") }
            let choices = [start != nil && end != nil, fromSeconds != nil && duration != nil, ranges != nil].filter { $0 }.count
            guard choices <= 1, (start == nil) == (end == nil), (fromSeconds == nil) == (duration == nil) else {
                throw ValidationError("give one of: --start and --end, --from and --duration, or --ranges FILE (none: the whole recording)")
            }
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
        try validateOutputOptions()
        let output = output ?? "-"
        let lower = output.lowercased()
        guard output == "-" || lower.hasSuffix(".wav") || lower.hasSuffix(".flac") || lower.hasSuffix(".raw") else {
            throw ValidationError("--output must end in .wav, .flac or .raw, or be -")
        }
    }

    private func validateOutputOptions() throws {
        try ParallelOption.check(workers, "--workers")
        if let format, !["s16", "s32", "f32"].contains(format) { throw ValidationError("--format must be s16, s32 or f32") }
        if let channels {
            guard Self.channelList(channels) != nil else {
                throw ValidationError("--channels must be 0-based channel numbers separated by commas, e.g. 0,3,7, not '\(channels)'")
            }
        }
    }

    func run() async throws {
        if makesClips { return try extractClips() }
        let output = output ?? "-"
        Interruption.install(message: "interrupted: nothing was written to \(output)")
        do {
            if let at, let start = Instant(at), let duration {
                try extractSpan(at: start, duration: duration)
            } else if let id {
                try await extractRanges(of: id)
            }
        } catch let error as CodecError {
            throw ExitCode.reporting(id.map { error.inRecording($0) } ?? error)
        } catch is ByteOutput.PipeClosed {
            return  // the reader of stdout went away (| head): end quietly
        }
    }

    /// One file per row of a layer or table (``ClipExtraction``).
    private func extractClips() throws {
        Interruption.install(message: "interrupted: the clips written so far stay; the one being written was removed")
        do throws(CodecError) {
            let archive = try location.archive()
            let rows: any PlacedRows
            if let layer {
                rows = try archive.layer(layer)
            } else {
                var placement = AudioArchive.TablePlacement()
                if let columns { placement.columns = try SelectionTable.ColumnMapping(parsing: columns) }
                placement.recording = id
                placement.timeZone = timezone.flatMap(TimeZoneSpec.init)
                placement.device = device
                let table = selections ?? ""
                rows = try archive.placedTable(table, placement) { problem in
                    FileHandle.standardError.write(Data("aimport: \(RereadableFile.name(of: table)): line \(problem.line) skipped: \(problem.message)\n".utf8))
                }
            }
            let clips = ClipExtraction(
                archive: archive, layer: rows, filter: try condition.map { text throws(CodecError) in try RowFilter(text, extraColumns: rows.extraColumns) },
                pad: pad, template: name, folder: outputDir ?? ".", force: force, format: format, channels: channels.flatMap(Self.channelList))
            let (written, orphans) = try clips.run()
            if orphans > 0 {
                FileHandle.standardError.write(Data("aimport: \(orphans) row\(orphans == 1 ? "" : "s") of recordings not in the archive (deleted) left out\n".utf8))
            }
            FileHandle.standardError.write(Data("aimport: \(written) clips written to \(outputDir ?? ".")\n".utf8))
        } catch {
            throw ExitCode.reporting(error)
        }
    }

    /// The sample format of the output for a recording of `bits` bits (floats when `isFloat`).
    private func sampleFormat(bits: Int, isFloat: Bool) -> SampleFormat {
        Self.sampleFormat(format, bits: bits, isFloat: isFloat)
    }

    /// The sample format `format` (--format) names, or a recording's own.
    static func sampleFormat(_ format: String?, bits: Int, isFloat: Bool) -> SampleFormat {
        switch format {
        case "s16": .int16
        case "f32": .float32
        case "s32": .int32
        default: isFloat ? .float32 : bits <= 16 ? .int16 : .int32
        }
    }

    /// The channels asked for, checked against the recording's `count`.
    private func pickedChannels(of count: Int, recording: String?) throws(CodecError) -> [Int]? {
        let picked = channels.flatMap(Self.channelList)
        if let picked, let bad = picked.first(where: { $0 >= count }) {
            throw CodecError(.invalidArgument, "--channels names channel \(bad), the recording has \(count) (0...\(count - 1))", recording: recording)
        }
        return picked
    }

    private func extractRanges(of id: String) async throws {
        let output = output ?? "-"
        let archive = try location.archive()
        let reader = try archive.reader(for: id)
        var single: Range<Int64>?
        if let start, let end {
            single = start..<end
        } else if let fromSeconds, let duration {
            let rate = Double(reader.sampleRate)
            let first = Int64((fromSeconds * rate).rounded())
            single = first..<first + Int64((duration * rate).rounded())
        } else if ranges == nil {
            single = 0..<reader.totalSamples
        }
        // A ranges file is read twice, a range at a time (checked and counted, then extracted):
        // memory does not grow with the number of ranges. A pipe is first copied to a file.
        let spooled = try ranges.map { (path) throws(CodecError) in try RereadableFile(path, what: "ranges") }
        func forEachRange(_ body: (Range<Int64>) async throws -> Void) async throws {
            if let single { return try await body(single) }
            guard let spooled else { return }
            let file = try RangesFile(spooled)
            while let range = try file.next() { try await body(range) }
        }
        var frames: Int64 = 0, count = 0, firstSamples: [Int64] = []
        try await forEachRange { range in
            guard range.upperBound <= reader.totalSamples else {
                throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(reader.totalSamples), \(String(format: "%.3f", Double(reader.totalSamples) / Double(reader.sampleRate))) s)", recording: id)
            }
            let (sum, overflow) = frames.addingReportingOverflow(Int64(range.count))
            guard !overflow else { throw CodecError(.invalidArgument, "the ranges add up to more than 2^63 frames", file: spooled?.name) }
            frames = sum
            count += 1
            if firstSamples.count < SnippetProvenance.maximumListedStarts { firstSamples.append(range.lowerBound) }
        }
        guard count > 0 else { throw CodecError(.invalidArgument, "the ranges file holds no ranges", file: spooled?.name) }
        let sampleFormat = sampleFormat(bits: reader.bitsPerSample, isFloat: reader.isFloat)
        let shape = SegmentSink.Shape(sampleRate: reader.sampleRate, channelCount: reader.channelCount, bitsPerSample: reader.bitsPerSample, isFloat: reader.isFloat)
        let provenance = SnippetProvenance.forRecording(try archive.summary(id), firstSamples: firstSamples, ranges: count, frames: frames, sampleRate: reader.sampleRate)
        let sink = try SegmentSink(
            output: output, force: force, format: sampleFormat, explicitFormat: format != nil, shape: shape, frames: frames,
            channels: try pickedChannels(of: reader.channelCount, recording: id), provenance: provenance)
        // Segments go to the output in file order as they are done, a window of ranges at a time;
        // a range longer than a run goes on its own, a run at a time (one decode, so that a
        // codec whose decoder carries state gives the same samples as in one piece): memory
        // holds at most `workers` runs and one window, whatever the number and length of the ranges.
        let run = Int(SampleRuns.standardLength)
        // From S3 each range waits for its requests: threads of their own keep `workers` of them in flight.
        let placement = BoundedTasks.Placement(readsAreRoundTrips: archive.readsAreRoundTrips)
        var window: [Range<Int64>] = [], delivered: Int64 = 0
        func extractWindow() async throws(CodecError) {
            try await BoundedTasks.forEachInOrder(window, workers: workers, placement: placement, { range throws(CodecError) in try reader.extract(range, as: sampleFormat) }) { _, buffer throws(CodecError) in
                try sink.deliver(buffer)
            }
            delivered = window.reduce(delivered) { $0 &+ Int64($1.count) }
            window.removeAll(keepingCapacity: true)
        }
        do {
            try await forEachRange { range in
                guard range.count > run else {
                    window.append(range)
                    if window.count == 4 * workers * 64 { try await extractWindow() }
                    return
                }
                try await extractWindow()
                try reader.extract(range, as: sampleFormat, runFrames: run, sink.deliver)
                delivered += Int64(range.count)
            }
            try await extractWindow()
            guard delivered == frames else {
                throw CodecError(.invalidArgument, "the ranges file changed while it was read (\(frames) frames counted, \(delivered) extracted)", file: spooled?.name)
            }
        } catch {
            sink.discard()
            if let failure = sink.failure { throw failure }
            throw error
        }
        try sink.finish()
    }

    private func extractSpan(at start: Instant, duration: Double) throws {
        let output = output ?? "-"
        let archive = try location.archive()
        let (span, used) = try archive.span(at: start, duration: duration, device: device, fillGaps: fillGaps)
        for gap in span.gaps {
            FileHandle.standardError.write(Data("aimport: no recording from \(Instant.utcText(start.secondsSinceEpoch + gap.offset)) for \(String(format: "%.3f", gap.length)) s: filled with zeros\n".utf8))
        }
        let sampleFormat = sampleFormat(bits: span.bitsPerSample, isFloat: span.isFloat)
        let shape = SegmentSink.Shape(sampleRate: span.sampleRate, channelCount: span.channelCount, bitsPerSample: span.bitsPerSample, isFloat: span.isFloat)
        let sink = try SegmentSink(
            output: output, force: force, format: sampleFormat, explicitFormat: format != nil, shape: shape, frames: span.totalSamples,
            channels: try pickedChannels(of: span.channelCount, recording: nil), provenance: SnippetProvenance.forSpan(span, recordings: used))
        do {
            try archive.extract(span, as: sampleFormat) { buffer throws(CodecError) in try sink.deliver(buffer) }
        } catch {
            sink.discard()
            throw sink.failure ?? error
        }
        try sink.finish()
    }

    /// "0,3,7" as channel numbers; nil when malformed.
    static func channelList(_ text: String) -> [Int]? {
        let numbers = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0.map { $0 >= 0 } ?? false }) else { return nil }
        return numbers.compactMap { $0 }
    }
}

/// Where extracted segments go, one after another: raw samples (stdout or .raw) or a WAV/FLAC
/// file written by libsndfile as the segments arrive. A file is written under a temporary name
/// (``OutputFile``) and put in place by ``finish()``; ``discard()`` removes it after a failure.
final class SegmentSink {
    private let raw: ByteOutput?
    private let writer: PCMFileWriter?
    private let file: OutputFile?
    /// 32-bit output (s32, and raw integer output) is full scale: native values of this depth
    /// left-justified (nil: as they are).
    private let leftJustifiedDepth: Int?
    /// The channels kept, in output order (nil: all).
    private let channels: [Int]?
    /// The output format, for the clipping report.
    private let format: SampleFormat
    /// Samples beyond full scale that quantising floats to integers clipped.
    private(set) var clippedSamples = 0

    /// What the segments are: rate, channels, bit depth and sample kind of the recording(s).
    struct Shape {
        let sampleRate: Int
        let channelCount: Int
        let bitsPerSample: Int
        let isFloat: Bool
    }

    /// - Parameter explicitFormat: whether the user chose `format` (--format): int32 output is
    ///   then full scale (left-justified), as it always is for raw output.
    /// - Throws: ``CodecError/Code/invalidArgument`` for an output format that cannot hold the
    ///   samples (the message names --format), ``CodecError/Code/cannotCreate`` for an output
    ///   file that exists (without `force`) or is a folder.
    /// - Parameter frames: the frames the output will hold: a WAV that would state more than
    ///   4 GiB is written as RF64.
    init(
        output: String, force: Bool, format: SampleFormat, explicitFormat: Bool, shape reader: Shape, frames: Int64, channels: [Int]? = nil,
        provenance: PCMFileWriter.Provenance? = nil
    ) throws(CodecError) {
        self.channels = channels
        self.format = format
        let lower = output.lowercased()
        let isRaw = output == "-" || lower.hasSuffix(".raw")
        let fullScale = format == .int32 && (explicitFormat || isRaw)
        leftJustifiedDepth = fullScale && !reader.isFloat ? reader.bitsPerSample : nil
        let depth: Int? = switch format {
        case .float32: nil
        case .int16: 16
        case .int32: fullScale || reader.isFloat ? 32 : reader.bitsPerSample
        }
        let isFLAC = lower.hasSuffix(".flac")
        if isFLAC && (depth ?? 32) > 24 {
            let what = reader.isFloat ? "a 32-bit float recording" : depth == nil ? "float samples (--format f32)" : "\(depth ?? 32)-bit samples"
            let loss = reader.isFloat ? " (s16 quantises the floats; samples beyond full scale are clipped and counted)" : ""
            throw CodecError(.invalidArgument, "FLAC output holds integers of up to 24 bits, not \(what): write .wav or .raw to keep the samples as they are, or give --format s16 for FLAC\(loss)", file: output)
        }
        if output == "-" {
            file = nil
            raw = ByteOutput.standardOutput()
            writer = nil
            return
        }
        let file = try OutputFile(output, force: force)
        self.file = file
        do throws(CodecError) {
            if isRaw {
                raw = try ByteOutput.file(file.partial)
                writer = nil
            } else {
                raw = nil
                let channelCount = channels?.count ?? reader.channelCount
                writer = try PCMFileWriter(
                    path: file.partial, container: isFLAC ? .flac : .wav(frames: frames, channelCount: channelCount, bitsPerSample: depth),
                    sampleRate: reader.sampleRate, channelCount: channelCount, bitsPerSample: depth, provenance: provenance)
            }
        } catch {
            file.discard()
            throw CodecError(error.code, error.message, file: output)
        }
    }

    /// The first error ``deliver(_:)`` met, as it was (a closed pipe, a full disk).
    private(set) var failure: (any Error)?

    /// ``write(_:)`` for extraction callbacks, which throw only `CodecError`: a failure is kept
    /// in ``failure`` (for the caller to rethrow as it was) and stops the extraction.
    func deliver(_ buffer: PCMBuffer) throws(CodecError) {
        do { try write(buffer) } catch {
            failure = failure ?? error
            throw CodecError(.storage, "the output failed")
        }
    }

    func write(_ buffer: PCMBuffer) throws {
        clippedSamples += buffer.clippedSamples
        var buffer = try channels.map(buffer.selectingChannels) ?? buffer
        if let depth = leftJustifiedDepth, case .int32(var native) = buffer.samples {
            native.withUnsafeMutableBufferPointer { PCMBuffer.leftJustify($0, bitsPerSample: depth) }
            buffer.samples = .int32(native)
        }
        if let writer { return try writer.write(buffer) }
        guard let raw else { return }
        try buffer.withUnsafeBytes { try raw.write($0) }
    }

    /// Completes the output (puts a file in place) and reports clipped samples on stderr.
    func finish() throws(CodecError) {
        try raw?.finish()
        try writer?.close()
        try file?.commit()
        if clippedSamples > 0 {
            FileHandle.standardError.write(Data("aimport: \(clippedSamples) samples lay beyond full scale and were clipped to \(format == .int16 ? "s16" : "s32"); --format f32 keeps them\n".utf8))
        }
    }

    /// Removes a partial output file after a failure.
    func discard() {
        try? writer?.close()
        file?.discard()
    }
}
