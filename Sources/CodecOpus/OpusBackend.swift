import AudioInput
import CodecCore
import ZarrStore

/// The Ogg Opus backend: lossy storage for long recordings, any rate.
///
/// - An Ogg Opus source is copied 1:1; it decodes at 48 kHz, whatever informational input rate
///   its OpusHead names (kept as metadata).
/// - Other sources are encoded with libopusenc (VBR, 20 ms frames, default 160 kb/s, complexity
///   10). Rates Opus codes natively (8, 12, 16, 24, 48 kHz) are kept. Every other rate is
///   reinterpreted, never resampled: the samples go to the encoder labelled with a coded Opus
///   rate (48 kHz above 48 kHz, else the largest Opus rate below the source's), sample indices
///   stay 1:1 with the source, and `sampling_rescale_factor = original / coded` is recorded.
///   Opus keeps up to min(coded / 2, 20 kHz) of coded bandwidth, that times the factor in real
///   frequency (at 384 kHz, factor 8: 160 kHz). See docs/LAYOUT.md for the table.
public struct OpusBackend: TemplatedImport {
    public static let codecID = Opus.codecID
    public static let probe = ProbeSpec(
        extensions: ["opus"], signatures: [.init([(0, Array("OggS".utf8)), (28, Array("OpusHead".utf8))])])

    public static let maximumChannels = 255
    public static var linkedLibraries: [(name: String, version: String)] {
        [("libopus", OpusLibrary.version), ("libopusenc", OpusLibrary.encoderVersion)]
    }
    public static let settings = [
        CodecSetting("bitrate", .integer(Opus.StreamEncoder.bitratesPerChannel), default: "160000", help: "bits per second for each channel"),
        CodecSetting("complexity", .integer(0...10), default: "10", help: "libopus encoder complexity"),
        CodecSetting("prediction", .boolean, default: "false", help: "predict frames from the previous ones (1-4 dB SNR on strongly periodic low-pitched sound; extraction then decodes 500 ms before each range instead of 80 ms)"),
    ]

    public init() {}

    /// The coded rate for a source rate (see the type's documentation).
    public static func codedRate(forSourceRate rate: Int) -> Int {
        if Opus.nativeRates.contains(rate) { return rate }
        if rate > 48_000 { return 48_000 }
        return Opus.nativeRates.last { $0 <= rate } ?? 8_000
    }

    public func writeStream(from source: ImportSource, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        if try hasOwnSignature(source) { return try copyVerbatim(source, into: writer, container: "Ogg Opus") }
        let reader = try source.pcmReader()
        var written = try encode(reader, codedRate: Self.codedRate(forSourceRate: reader.sampleRate), into: writer, options: options)
        written.sourceSampleRate = reader.sampleRate
        written.sourceFacts = [
            "container": .string(reader.containerName), "sample_encoding": .string(reader.encodingName), "pcm": reader.decodeFacts,
        ]
        if !reader.tags.isEmpty { written.sourceFacts["tags"] = .object(reader.tags.mapValues(JSONValue.string)) }
        return written
    }

    public func indexStream(
        _ blob: BlobReader, written: WrittenStream, source: ImportSource, in group: ZarrGroup, options: ImportOptions
    ) async throws(CodecError) -> IndexedStream {
        let sourceRate = written.sourceSampleRate ?? Opus.granuleRate
        let decodeRate = Self.codedRate(forSourceRate: sourceRate)
        let (index, opusHead, report) = try await buildIndex(of: blob, options: options.indexOptions)
        let timing = Opus.Timing(head: opusHead, decodeRate: decodeRate)
        try Opus.PageIndexStorage.store(index, timing: timing, in: group)
        var codecFacts: [String: JSONValue] = [
            "coded_sample_rate": .int(Int64(decodeRate)), "sampling_rescale_factor": .double(Double(sourceRate) / Double(decodeRate)),
            "opus_head": [
                "pre_skip": .int(Int64(opusHead.preSkip)), "input_sample_rate": .int(Int64(opusHead.inputSampleRate)),
                "output_gain_q8_db": .int(Int64(opusHead.outputGain)), "mapping_family": .int(Int64(opusHead.mappingFamily)),
            ],
        ]
        if written.copiedVerbatim {  // our own encodes are CELT-only: their pre-roll is exact without restart points
            let restarts = try Self.measureRestartPoints(in: group)
            if !restarts.points.isEmpty { codecFacts["extraction_accuracy"] = Self.accuracy(restarts, decodeRate: decodeRate) }
        }
        var arrays = ["index": Opus.PageIndexStorage.arrayName]
        if IndexTable.exists(role: Opus.RestartPointStorage.role, defaultName: Opus.RestartPointStorage.arrayName, in: group) {
            arrays[Opus.RestartPointStorage.role] = Opus.RestartPointStorage.arrayName
        }
        let description = RecordingDescription(
            codec: Self.codecID, sampleRate: sourceRate, channelCount: opusHead.channelCount, bitsPerSample: 16,
            totalSamples: timing.decodeSamples(index.streamEnd) - timing.preSkip, arrays: arrays, codecFacts: codecFacts)
        return IndexedStream(description: description, index: report)
    }

    public func buildIndex(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> IndexReport {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let decodeRate = Self.decodeRate(of: group)
        let (index, head, report) = try await buildIndex(of: blob, options: options)
        try Opus.PageIndexStorage.replace(index, timing: Opus.Timing(head: head, decodeRate: decodeRate), in: group)
        _ = try Self.measureRestartPoints(in: try Self.reopened(group), replacing: true)
        return report
    }

    /// Measures and stores the restart points of the indexed recording in `group` (none for
    /// CELT-only streams, which our own imports always are).
    static func measureRestartPoints(in group: ZarrGroup, replacing: Bool = false) throws(CodecError) -> Opus.RestartPointReport {
        let reader = try OpusBackend().openOpusRecording(group)
        var report: Opus.RestartPointReport
        do {
            report = try Opus.RestartPointSearch.standard(decodeRate: reader.timing.decodeRate).run(over: reader)
        } catch where error.code == .corrupt {
            // A packet libopus rejects: no measurement (such ranges cannot be extracted anyway).
            report = Opus.RestartPointReport(points: [], unconverged: 0, unconvergedWorstLSB: 0)
        }
        if replacing {
            try Opus.RestartPointStorage.replace(report.points, in: try Self.reopened(group))
        } else {
            try Opus.RestartPointStorage.store(report.points, in: group)
        }
        return report
    }

    /// `group` with its attributes read again (after an index table was replaced).
    private static func reopened(_ group: ZarrGroup) throws(CodecError) -> ZarrGroup {
        do { return try ZarrGroup.open(in: group.store, at: group.path) } catch { throw CodecError.store(error, "cannot reopen the recording", codec: codecID, file: group.path) }
    }

    /// How exact extraction of a SILK or hybrid stream is, for `info`: exact within the look-back
    /// of a restart point (the stream start included), else the measured difference of restarts
    /// that never converged.
    static func accuracy(_ report: Opus.RestartPointReport, decodeRate: Int) -> JSONValue {
        var facts: [String: JSONValue] = [
            "class": "silk_or_hybrid", "restart_points": .int(Int64(report.points.count)),
            "exact_look_back_s": .double(Double(Opus.PreRoll.standard(decodeRate: decodeRate).exactLookBack) / Double(decodeRate)),
            "unconverged_restarts": .int(Int64(report.unconverged)),
        ]
        if report.unconverged > 0 {
            facts["unconverged_worst_lsb"] = .double((report.unconvergedWorstLSB * 100).rounded() / 100)
            facts["note"] = "ranges farther than exact_look_back_s from an exact restart point decode from 1 s before them and may differ from a continuous decode by up to about unconverged_worst_lsb"
        }
        return .object(facts)
    }

    public func storedIndexMatches(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> Bool {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let (fresh, head, _) = try await buildIndex(of: blob, options: options)
        let timing = Opus.Timing(head: head, decodeRate: Self.decodeRate(of: group))
        let stored = try Opus.PageIndexStorage.load(from: group)
        let rows = (0..<fresh.count).map { r in
            (fresh.byteOffsets[r], fresh.pageSizes[r], max(0, timing.decodeSamples(fresh.packetStarts[r]) - timing.preSkip))
        }
        return rows.count == stored.rows.count && zip(rows, stored.rows).allSatisfy { $0.0 == $1.offset && $0.1 == $1.size && $0.2 == $1.firstSample }
            && timing.decodeSamples(fresh.streamEnd) - timing.preSkip == stored.totalSamples
    }

    public func damagedRegions(in group: ZarrGroup, options: IndexOptions) async throws(CodecError) -> [String] {
        let reader = try openOpusRecording(group)
        var problems: [String] = []
        for (k, row) in reader.rows.enumerated() {
            let bytes = try reader.blob.read(row.offset..<row.offset + row.size)
            let intact = bytes.withUnsafeBytes { raw -> Bool in
                if case .success = Ogg.Page.parse(raw, at: row.offset) { return true }
                return false
            }
            guard !intact else { continue }
            let start = Double(row.firstSample) / Double(reader.sampleRate)
            let end = Double(k + 1 < reader.rows.count ? reader.rows[k + 1].firstSample : reader.totalSamples) / Double(reader.sampleRate)
            problems.append("page \(k) at byte \(row.offset) fails its CRC-32 (seconds \(String(format: "%.3f", start))-\(String(format: "%.3f", end)))")
        }
        return problems
    }

    public func openRecording(_ group: ZarrGroup) throws(CodecError) -> any CodecCore.RecordingReader {
        try openOpusRecording(group)
    }

    /// The recording in `group` with its concrete reader type.
    public func openOpusRecording(_ group: ZarrGroup, preRollSeconds: Double? = nil) throws(CodecError) -> Opus.RecordingReader {
        let blob = try RecordingLayout.openBlob(in: group, codec: Self.codecID)
        let head = try Self.readHead(blob)
        let timing = Opus.Timing(head: head, decodeRate: Self.decodeRate(of: group))
        let (rows, total) = try Opus.PageIndexStorage.load(from: group)
        let rate = group.attributes[RecordingLayout.attributeKey]?["sample_rate"]?.intValue ?? timing.decodeRate
        return Opus.RecordingReader(
            blob: blob, head: head, timing: timing, rows: rows, totalSamples: total, sampleRate: rate,
            preRoll: preRollSeconds.map { .fixed(seconds: $0, decodeRate: timing.decodeRate) }
                ?? .standard(decodeRate: timing.decodeRate),
            decoders: Opus.DecoderPool(head: head, decodeRate: timing.decodeRate),
            restartPoints: preRollSeconds == nil ? try Opus.RestartPointStorage.load(from: group) : [])
    }

    /// Builds the page index of `blob` without storing it.
    public func buildIndex(of blob: BlobReader, options: IndexOptions) async throws(CodecError) -> (Opus.PageIndex, Opus.Head, IndexReport) {
        let head = try Self.readHead(blob)
        let indexer = ParallelIndexer<Ogg.PageScanner, Ogg.PageParser, Opus.PageSequencer>(
            scanner: Ogg.PageScanner(), parser: Ogg.PageParser(), rangeBytes: blob.alignedRangeBytes(options.rangeBytes),
            workers: options.workers)
        let outcome = try await indexer.run(over: blob, from: 0, accumulator: Opus.PageSequencer())
        let index = outcome.index
        return (index, head, IndexReport(entries: index.count, totalSamples: index.streamEnd, rejected: outcome.rejectedByDescription, scannedBytes: blob.length))
    }

    /// The OpusHead packet of the stream's first page.
    static func readHead(_ blob: BlobReader) throws(CodecError) -> Opus.Head {
        let start = try blob.read(0..<Int64(Ogg.maximumPageBytes))
        let parsed = start.withUnsafeBytes { Ogg.Page.parse($0, at: 0) }
        guard case .success(let page) = parsed, page.beginsStream, start.starts(with: Array("OggS".utf8)) else {
            throw CodecError(.unrecognized, "the blob does not start with an intact Ogg page", codec: codecID, file: blob.array.path)
        }
        var walker = Ogg.PacketWalker(bytes: Array(start.prefix(page.size)), baseOffset: 0)
        guard let (packet, _) = try walker.next() else {
            throw CodecError(.corrupt, "the first Ogg page holds no complete packet", codec: codecID, file: blob.array.path)
        }
        return try Opus.Head(parsing: Array(packet))
    }

    private static func decodeRate(of group: ZarrGroup) -> Int {
        group.attributes[RecordingLayout.attributeKey]?["coded_sample_rate"]?.intValue ?? Opus.granuleRate
    }

    /// Encodes all of `reader` into `writer` at `codedRate`; returns the encoding description and warnings.
    private func encode(_ reader: PCMFileReader, codedRate: Int, into writer: BlobWriter, options: ImportOptions) throws(CodecError) -> WrittenStream {
        let bitrate = options.integer("bitrate", of: Self.self), complexity = options.integer("complexity", of: Self.self)
        let prediction = options.boolean("prediction", of: Self.self)
        let encoder = try Opus.StreamEncoder(into: writer, settings: .init(
            codedRate: codedRate, channelCount: reader.channelCount, bitratePerChannel: bitrate,
            complexity: complexity, prediction: prediction, tags: reader.tags))
        // Floats at the source's own level: integers divided by 2^(bits-1), float and lossy
        // sources as they are (libopus takes values beyond -1...1).
        var floats: [Float] = []
        var frames: Int64 = 0
        while true {
            let n = try reader.readFloat(maxFrames: 4096, into: &floats)
            if n == 0 { break }
            // libopus codes a frame holding NaN or an infinity as silence or noise: refused, never changed silently.
            if reader.encoding == .float, let bad = floats.prefix(n * reader.channelCount).firstIndex(where: { !$0.isFinite }) {
                throw CodecError(.unsupported, "frame \(frames + Int64(bad / reader.channelCount)), channel \(bad % reader.channelCount), holds \(floats[bad]), not a finite number: Opus cannot code it; store the file with --codec wavpack (floats kept exactly)", codec: Self.codecID, file: reader.path)
            }
            try encoder.encode(floats, frames: n)
            frames += Int64(n)
        }
        // libopusenc cannot end a stream it was given nothing for: it stops the process.
        guard frames > 0 else {
            throw CodecError(.unsupported, "the file holds no samples, and an Opus stream cannot be empty: import it with --codec flac, which keeps an empty recording", codec: Self.codecID, file: reader.path)
        }
        try encoder.finish()
        var warnings: [String] = []
        if let shortfall = reader.shortfallWarning(read: frames) { warnings.append(shortfall) }
        let encoding: [String: JSONValue] = [
            "library": .string(OpusLibrary.encoderVersion + ", " + OpusLibrary.version), "bitrate_per_channel": .int(Int64(bitrate)),
            "bitrate": .int(Int64(Opus.StreamEncoder.totalBitrate(perChannel: bitrate, channels: reader.channelCount))),
            "complexity": .int(Int64(complexity)), "vbr": true, "frame_duration_ms": 20, "coding_mode": "celt_only",
            "inter_frame_prediction": .bool(prediction),
            "mapping_family": .int(Int64(Opus.StreamEncoder.mappingFamily(channels: reader.channelCount))),
        ]
        return WrittenStream(copiedVerbatim: false, encoding: encoding, warnings: warnings)
    }
}

