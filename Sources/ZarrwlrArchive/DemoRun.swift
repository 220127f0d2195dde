import AudioInput
import CodecCore
import ZarrStore

/// The main job on one recording, as `aimport demo` shows it: import into a fresh store, extract
/// a one-second segment, and compare it with libsndfile's decode of the source.
public struct DemoRun: Sendable {
    /// What the demo did and found.
    public struct Report: Sendable, CustomStringConvertible {
        public var source: String
        public var storePath: String
        public var importReport: ImportReport
        public var sourceBytes: Int64
        public var segment: Range<Int64>
        public var segmentMatchesSource: Bool
        public var id: String
        public var startTime: String?
        public var device: String?

        public var description: String {
            let r = importReport
            let seconds = Double(r.totalSamples) / Double(r.sampleRate)
            let ratio = Double(r.blobBytes) / Double(max(sourceBytes, 1))
            return """
            imported:  \(source)
                       \(r.sampleRate) Hz, \(r.channelCount) channel(s), \(r.bitsPerSample) bit, \(r.totalSamples) samples (\(format(seconds)) s)
            recorded:  \(startTime ?? "start time unknown")\(device.map { " by AudioMoth " + $0 } ?? "")
            stored:    \(storePath)/\(id) as \(r.codec)\(r.copiedVerbatim ? " (1:1 copy)" : ""): \(r.blobBytes) bytes, \(format(100 * ratio)) % of the source's \(sourceBytes)
            index:     \(r.index.entries) frames
            extracted: samples \(segment.lowerBound)..<\(segment.upperBound) (\(format(Double(segment.count) / Double(r.sampleRate))) s)
            check:     \(segmentMatchesSource ? "bit-exact with libsndfile's decode of the source" : "DIFFERS from the source")
            """
        }

        private func format(_ value: Double) -> String {
            String(Double(Int((value * 100).rounded())) / 100)
        }
    }

    public let source: String
    public let storeFolder: String

    public init(source: String, storeFolder: String) {
        self.source = source
        self.storeFolder = storeFolder
    }

    /// Runs the demo.
    /// - Throws: ``CodecError`` or ``ZarrError`` when the import or extraction fails.
    public func run() async throws -> Report {
        let archive = try AudioArchive.openOrCreate(storePath: storeFolder)
        guard case .imported(let id, let report) = try await archive.importFile(source, allowDuplicate: true) else {
            throw CodecError(.library, "the demo import was not committed")
        }
        let recording = try archive.recording(id)
        let reader = try archive.reader(for: id)
        let facts = recording.attributes[RecordingLayout.attributeKey]

        // One second from the middle (or the whole recording when it is shorter).
        let length = min(Int64(reader.sampleRate), reader.totalSamples)
        let start = (reader.totalSamples - length) / 2
        let segment = start..<start + length
        let extracted = try reader.extract(segment, as: .int32)

        let decoder = try PCMFileReader(path: source)
        var skipped: Int64 = 0
        var block: [Int32] = []
        while skipped < start {
            let frames = try decoder.read(maxFrames: Int(min(start - skipped, 65_536)), into: &block)
            if frames == 0 { break }  // source shorter than recorded: the comparison below fails
            skipped += Int64(frames)
        }
        _ = try decoder.read(maxFrames: Int(length), into: &block)
        // The archive recorded the source's size when it hashed it.
        let size = Int64(facts?["source"]?["size_bytes"]?.intValue ?? 0)
        return Report(
            source: source, storePath: storeFolder, importReport: report, sourceBytes: size, segment: segment,
            segmentMatchesSource: extracted.samples == .int32(block), id: id,
            startTime: facts?["start_time"]?["iso8601"]?.stringValue,
            device: facts?["metadata"]?["audiomoth"]?["device_id"]?.stringValue)
    }
}
