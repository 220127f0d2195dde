import AudioInput
import CodecCore
import Dispatch
import Foundation
import ZarrStore
import ZarrwlrArchive

/// What `aimport serve` answers, independent of HTTP: the recordings, spectrogram tiles (kept in
/// an LRU cache), audio of a span as WAV (time-expanded when asked), and the annotation layers.
/// Readers are opened once per recording and kept. Work that reads the archive runs on threads
/// of its own, off Swift concurrency's pool (reads block on files or the network).
public final class ArchiveSite: Sendable {
    public let archive: AudioArchive
    /// Whether a recording's spectrum overview is built (and stored in the archive) when a tile
    /// first needs it.
    public let buildsOverviews: Bool
    private let readers = ForkSafeMutex<[String: any RecordingReader]>([:])
    private let tiles = ForkSafeMutex(TileCache(capacity: 512))
    private let overviews = ForkSafeMutex<[String: OverviewState]>([:])
    /// Overviews are built one at a time, in the background.
    private let overviewBuilds = DispatchQueue(label: "zarrwlr.serve.overviews")
    /// The most seconds of audio one request may ask for.
    public static let maximumAudioSeconds = 600.0
    /// How a layer saved from the web view names its table: as its source, and in errors.
    static let uploadedTable = "table sent to aimport serve"

    /// A recording's overview as far as this site knows it.
    private enum OverviewState {
        case ready(SpectrumOverview)
        case building
        /// Not stored when the archive was last asked, at `checked`; `buildFailed` when this
        /// site's own build of it failed (it is not tried again, but the archive is asked again).
        case absent(checked: ContinuousClock.Instant, buildFailed: Bool)
    }

    /// How long an overview found absent is taken as absent before the archive is asked again:
    /// `aimport overview` (or another server) may build it meanwhile.
    static let overviewRecheck = Duration.seconds(5)

    public init(archive: AudioArchive, buildsOverviews: Bool = true) {
        self.archive = archive
        self.buildsOverviews = buildsOverviews
    }

    func reader(_ id: String) throws(CodecError) -> any RecordingReader {
        if let known = readers.withLock({ $0[id] }) { return known }
        let opened = try archive.reader(for: id)
        readers.withLock { $0[id] = opened }
        return opened
    }

    /// Every recording: id, device, site (the folder that held its file), start (ISO 8601 or null), seconds, rate, channels, source file.
    public func recordingsJSON() async throws(CodecError) -> JSONValue {
        let archive = self.archive
        return try await DedicatedThread.run { () throws(CodecError) in
            .array(try archive.recordings().filter { $0.damage == nil }.map { summary in
                let relative = summary.attributes[RecordingDescription.Key.source]?["relative_path"]?.stringValue ?? ""
                // The folder holding the file: a card or site folder of a deployment.
                let parts = relative.split(separator: "/")
                let folder = parts.count > 1 ? String(parts[parts.count - 2]) : nil
                let object: [String: JSONValue] = [
                    "id": .string(summary.id), "device": summary.device.map(JSONValue.string) ?? .null, "site": folder.map(JSONValue.string) ?? .null,
                    "start": summary.startInstant.map { .string($0.text) } ?? .null, "local_start": summary.startTime.map(JSONValue.string) ?? .null,
                    "seconds": .double(summary.duration ?? 0), "sample_rate": .int(Int64(summary.sampleRate ?? 0)),
                    "channels": .int(Int64(summary.channels ?? 0)), "source": summary.sourceFile.map(JSONValue.string) ?? .null,
                ]
                return .object(object)
            })
        }
    }

    /// The PNG of a tile described by `query` (``SpectrogramTile``). A zoomed-out tile is
    /// drawn from the recording's spectrum overview; while that is being built it is drawn
    /// from one FFT per column and not cached.
    public func tile(_ query: [String: String]) async throws(CodecError) -> [UInt8] {
        let id = query["recording"] ?? ""
        let reader = try await DedicatedThread.run { () throws(CodecError) in try self.reader(id) }
        let spec = try SpectrogramTile(query: query, sampleRate: reader.sampleRate)
        if let cached = tiles.withLock({ $0.get(spec) }) { return cached }
        let zoomedOut = spec.drawsFromOverview(sampleRate: reader.sampleRate)
        let overview = zoomedOut ? await self.overview(id, reader) : nil
        let png = try await DedicatedThread.run { () throws(CodecError) in try spec.render(from: reader, overview: overview, readsAreRoundTrips: self.archive.readsAreRoundTrips) }
        if !zoomedOut || overview != nil { tiles.withLock { $0.put(spec, png) } }
        return png
    }

    /// Recording `id`'s overview: the one stored, else nil (while one is built in the
    /// background, when building is off or failed, or until someone else builds it).
    private func overview(_ id: String, _ reader: any RecordingReader) async -> SpectrumOverview? {
        let asked = ContinuousClock.now
        var buildFailed = false
        switch overviews.withLock({ $0[id] }) {
        case .ready(let overview)?: return overview
        case .building?: return nil
        case .absent(let checked, let failed)?:
            guard asked - checked >= Self.overviewRecheck else { return nil }
            buildFailed = failed
        case nil: break
        }
        let archive = self.archive
        let stored = try? await DedicatedThread.run { () throws(CodecError) in archive.overview(of: id, totalSamples: reader.totalSamples) }
        let start = overviews.withLock { states -> Bool in
            if let stored { states[id] = .ready(stored); return false }
            switch states[id] {
            case .ready?, .building?: return false
            case .absent(let checked, _)? where checked >= asked: return false  // another request asked meanwhile
            default: break
            }
            let build = buildsOverviews && !buildFailed
            states[id] = build ? .building : .absent(checked: .now, buildFailed: buildFailed)
            return build
        }
        if start {
            overviewBuilds.async {
                let state: OverviewState
                do {
                    var writer = try archive.overviewWriter(for: id, totalSamples: reader.totalSamples)
                    try OverviewBuilder.build(reader, into: &writer)
                    state = archive.overview(of: id, totalSamples: reader.totalSamples).map(OverviewState.ready) ?? .absent(checked: .now, buildFailed: true)
                } catch {
                    FileHandle.standardError.write(Data("aimport serve: no overview of recording \(id): \(error)\n".utf8))
                    state = .absent(checked: .now, buildFailed: true)
                }
                self.overviews.withLock { $0[id] = state }
            }
        }
        return stored
    }

    /// Seconds `start..<end` of recording `id` as a WAV with GUANO; with `expansion` above 1 its
    /// header states the rate divided by it, so that players play it that many times slower (as
    /// bat detectors' time expansion does; GUANO `TE` says so). The WAV is written a run of
    /// samples at a time to a temporary file, which the response streams: memory does not grow
    /// with the span, its rate or its channels.
    func audio(_ query: [String: String]) async throws(CodecError) -> SpooledFile {
        let id = query["recording"] ?? ""
        guard let start = query["start"].flatMap(Double.init), let end = query["end"].flatMap(Double.init), start >= 0, end > start,
              end <= SpectrogramTile.latestSecond, end - start <= Self.maximumAudioSeconds else {
            throw CodecError(
                .invalidArgument,
                "start and end must be seconds with 0 <= start < end <= \(Int(SpectrogramTile.latestSecond)), at most \(Int(Self.maximumAudioSeconds)) s apart")
        }
        guard let expansion = Int(query["expansion"] ?? "1"), (1...100).contains(expansion) else {
            throw CodecError(.invalidArgument, "expansion must be a whole number from 1 to 100")
        }
        let archive = self.archive
        return try await DedicatedThread.run { () throws(CodecError) in
            let reader = try self.reader(id)
            let rate = Double(reader.sampleRate)
            let first = min(reader.totalSamples, Int64((start * rate).rounded())), last = min(reader.totalSamples, Int64((end * rate).rounded()))
            guard last > first else { throw CodecError(.invalidArgument, "the span lies outside recording \(id)", recording: id) }
            let format: SampleFormat = reader.isFloat ? .float32 : reader.bitsPerSample <= 16 ? .int16 : .int32
            var extra = ["zarrwlr|Playback": "span of the web view"]
            if expansion > 1 { extra["TE"] = String(expansion) }
            let provenance = SnippetProvenance.forRecording(try archive.summary(id), firstSamples: [first], frames: last - first, sampleRate: reader.sampleRate, extra: extra)
            let path = NSTemporaryDirectory() + "zarrwlr-serve-" + UUID().uuidString + ".wav"
            do throws(CodecError) {
                let bits = format == .float32 ? nil : (format == .int16 ? 16 : reader.bitsPerSample)
                let writer = try PCMFileWriter(
                    path: path, container: .wav(frames: last - first, channelCount: reader.channelCount, bitsPerSample: bits),
                    sampleRate: max(1, reader.sampleRate / expansion), channelCount: reader.channelCount, bitsPerSample: bits, provenance: provenance)
                try reader.extract(first..<last, as: format, runFrames: Int(SampleRuns.standardLength)) { (run) throws(CodecError) in try writer.write(run) }
                try writer.close()
            } catch {
                unlink(path)
                throw error.inRecording(id)
            }
            return try SpooledFile(taking: path)
        }
    }

    /// The names of the layers, or layer `name`'s rows with their seconds and band.
    public func layerJSON(_ name: String?) async throws(CodecError) -> JSONValue {
        let archive = self.archive
        return try await DedicatedThread.run { () throws(CodecError) in
            guard let name else { return .array(try archive.layerNames().map(JSONValue.string)) }
            let layer = try archive.layer(name)
            // Rows of recordings no longer in the archive (an earlier version's delete left them) have no seconds.
            var present = AudioArchive.SummaryLookup(archive)
            var rows: [JSONValue] = []
            try layer.forEachRow { (row) throws(CodecError) in
                guard let sampleRate = try present.summary(row.recording)?.sampleRate, sampleRate > 0 else { return }
                let rate = Double(sampleRate)
                let object: [String: JSONValue] = [
                    "recording": .string(row.recording), "start": .double(Double(row.samples.lowerBound) / rate), "end": .double(Double(row.samples.upperBound) / rate),
                    "low_hz": row.lowHz.map(JSONValue.double) ?? .null, "high_hz": row.highHz.map(JSONValue.double) ?? .null,
                    "label": row.label.map(JSONValue.string) ?? .null, "confidence": row.confidence.map(JSONValue.double) ?? .null,
                ]
                rows.append(.object(object))
            }
            return .array(rows)
        }
    }

    /// Stores a Raven selection table (the page's drawn boxes) as layer `name`.
    public func saveLayer(_ name: String, table: [UInt8], replacing: Bool) async throws(CodecError) -> Int {
        let archive = self.archive
        return try await DedicatedThread.run { () throws(CodecError) in
            // Kept in a folder of its own while it is read; its errors and the layer name the upload, not that file.
            let folder = NSTemporaryDirectory() + "zarrwlr-serve-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let path = folder + "/table.txt"
            guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)) != nil,
                  FileManager.default.createFile(atPath: path, contents: Data(table))
            else { throw CodecError(.storage, "cannot keep the table sent to aimport serve in \(NSTemporaryDirectory())") }
            do throws(CodecError) {
                return try archive.importLayer(
                    name, from: path, placement: AudioArchive.TablePlacement(), replacing: replacing, skippingUnplaced: false, source: Self.uploadedTable
                ).layer.rows
            } catch {
                throw error.naming(Self.uploadedTable, insteadOfFilesIn: folder)
            }
        }
    }
}

/// Rendered tiles, the least recently used dropped first.
struct TileCache {
    let capacity: Int
    private var entries: [SpectrogramTile: (png: [UInt8], used: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func get(_ key: SpectrogramTile) -> [UInt8]? {
        guard let entry = entries[key] else { return nil }
        clock += 1
        entries[key] = (entry.png, clock)
        return entry.png
    }

    mutating func put(_ key: SpectrogramTile, _ png: [UInt8]) {
        clock += 1
        entries[key] = (png, clock)
        if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries[oldest] = nil
        }
    }
}
