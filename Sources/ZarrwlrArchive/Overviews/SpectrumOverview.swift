import CodecCore
import Foundation
import ZarrStore

/// A recording's spectrum summarised for zoomed-out views (the overview pyramid of
/// `aimport serve`), kept at `.zarrwlr/overviews/<id>` (inside the archive group) as a Zarr group
/// that zarr-python reads.
///
/// Level 0 has a row per frame of ``frameSamples`` samples: for each of ``bands`` equal
/// frequency bands from 0 Hz to half the rate, the loudest level any FFT of the frame (256
/// samples, Hann window, a new one every 128 samples, the channels' mean) reached in that band,
/// in dB full scale (a full-scale sine reads 0 dB) as one byte (``byte(decibels:)``). Level k+1
/// holds the maximum of 4 rows of level k, up to a level of one row. A short call therefore
/// shows at every zoom (the maximum keeps it), which drawing one FFT per pixel column misses.
/// At most 1/128 byte a sample (plus a third for the upper levels) before compression.
///
/// An overview is written like an annotation layer: its level arrays first, under a fresh
/// version, then the group's attributes naming them; an overview whose attributes name no
/// complete levels, or whose sample count differs from the recording's, is not used.
public struct SpectrumOverview: Sendable {
    public static let frameSamples = 16_384
    public static let bands = 128
    public static let levelFactor = 4
    /// Samples of one FFT, and how far apart FFTs start.
    public static let fftSize = 256, fftHop = 128
    static let attributeKey = "zarrwlr_overview"
    static let chunkRows = 8_192

    public let recording: String
    public let totalSamples: Int64
    /// Level k: one row of ``bands`` bytes per `frameSamples x 4^k` samples.
    let levels: [ZarrArray]

    /// Where the overviews of the archive at `archivePath` are kept.
    static func folder(of archivePath: String) -> String {
        (archivePath.isEmpty ? "" : archivePath + "/") + AudioArchive.internalFolder + "/overviews"
    }

    /// The rows of each level for a recording of `totalSamples` samples (none for an empty one).
    public static func levelRows(totalSamples: Int64) -> [Int] {
        guard totalSamples > 0 else { return [] }
        var rows = [Int((totalSamples + Int64(frameSamples) - 1) / Int64(frameSamples))]
        while let last = rows.last, last > 1 { rows.append((last + levelFactor - 1) / levelFactor) }
        return rows
    }

    /// A level in dB full scale as one byte: half-dB steps from -127 dB (0) up to 0 dB (254);
    /// 255 for levels above full scale (float recordings).
    public static func byte(decibels: Double) -> UInt8 {
        guard decibels.isFinite else { return decibels > 0 ? 255 : 0 }
        return UInt8(min(255, max(0, ((decibels + 127) * 2).rounded())))
    }

    /// The dB full scale a byte stands for.
    public static func decibels(_ byte: UInt8) -> Double { Double(byte) / 2 - 127 }

    /// The samples one row of `level` covers.
    public static func rowSamples(level: Int) -> Int64 {
        Int64(frameSamples) << (2 * Int64(level))
    }

    public var levelCount: Int { levels.count }

    /// Rows `rows` of `level` (clamped to the level), ``bands`` bytes a row.
    public func rows(_ rows: Range<Int>, of level: Int) throws(CodecError) -> (first: Int, bytes: [UInt8]) {
        let array = levels[level]
        let lower = max(0, rows.lowerBound), upper = min(array.shape[0], rows.upperBound)
        guard upper > lower else { return (lower, []) }
        do {
            return (lower, try array.read(UInt8.self, origin: [lower, 0], shape: [upper - lower, Self.bands]))
        } catch {
            throw CodecError.store(error, "cannot read the overview of recording \(recording)", file: array.path)
        }
    }

    /// The stored overview of recording `id` with `totalSamples` samples, or nil when there is
    /// none (or an incomplete one, or one made for other samples).
    static func load(_ id: String, totalSamples: Int64, from store: any ZarrStorage, folder: String) -> SpectrumOverview? {
        guard let group = try? ZarrGroup.open(in: store, at: folder + "/" + id), let facts = group.attributes[attributeKey],
              facts["total_samples"]?.intValue == Int(totalSamples), facts["frame_samples"]?.intValue == frameSamples,
              facts["bands"]?.intValue == bands, let names = facts["levels"]?.arrayValue?.compactMap(\.stringValue) else { return nil }
        let expected = levelRows(totalSamples: totalSamples)
        guard names.count == expected.count else { return nil }
        var levels: [ZarrArray] = []
        for (name, rows) in zip(names, expected) {
            guard let array = try? group.array(name), array.shape == [rows, bands], array.metadata.dataType == .uint8 else { return nil }
            levels.append(array)
        }
        return SpectrumOverview(recording: id, totalSamples: totalSamples, levels: levels)
    }

    /// Removes the overview of recording `id`, its attributes first (a removal cut short
    /// leaves no overview in use).
    static func delete(_ id: String, from store: any ZarrStorage, folder: String) throws(ZarrError) {
        try store.erase(folder + "/" + id + "/zarr.json")
        try store.erasePrefix(folder + "/" + id)
    }

    /// Writes an overview row by row: level 0's rows in order through ``append(_:)``, the upper
    /// levels folded from them as they come; ``finish()`` names the levels. Memory: one chunk
    /// of rows per level.
    public struct Writer {
        public let recording: String
        public let totalSamples: Int64
        private var group: ZarrGroup
        private let version: String
        private var levels: [LevelBuffer]

        /// The rows of one level not yet stored, and the maximum of the rows folded into its
        /// next (unfinished) row from the level below.
        private struct LevelBuffer {
            let array: ZarrArray
            var stored = 0
            var pending: [UInt8] = []
            var folded = [UInt8](repeating: 0, count: SpectrumOverview.bands)
            var foldedCount = 0
        }

        init(recording: String, totalSamples: Int64, store: any ZarrStorage, folder: String) throws(CodecError) {
            self.recording = recording
            self.totalSamples = totalSamples
            let version = String(UUID().uuidString.prefix(8)).lowercased()
            self.version = version
            let path = folder + "/" + recording
            do {
                let group = try ZarrGroup.create(in: store, at: path, existingOK: true, parents: false)
                self.group = group
                levels = try SpectrumOverview.levelRows(totalSamples: totalSamples).enumerated().map { (level, rows) throws(ZarrError) in
                    LevelBuffer(array: try group.createArray("level\(level)-\(version)", metadata: ArrayMetadata(
                        shape: [rows, SpectrumOverview.bands], dataType: .uint8, chunkShape: [SpectrumOverview.chunkRows, SpectrumOverview.bands],
                        codecs: [.bytes(endian: nil), .zstd(level: 3, checksum: false)], fillValue: .int(0), dimensionNames: ["frame", "band"])))
                }
            } catch {
                throw CodecError.store(error, "cannot start the overview of recording \(recording)", file: path)
            }
        }

        /// Adds the next row of level 0 (``bands`` bytes).
        public mutating func append(_ row: [UInt8]) throws(CodecError) {
            try append(row, level: 0)
        }

        private mutating func append(_ row: [UInt8], level: Int) throws(CodecError) {
            guard level < levels.count else { return }
            levels[level].pending += row
            if levels[level].pending.count == SpectrumOverview.chunkRows * SpectrumOverview.bands { try store(level) }
            guard level + 1 < levels.count else { return }
            for band in 0..<SpectrumOverview.bands { levels[level + 1].folded[band] = max(levels[level + 1].folded[band], row[band]) }
            levels[level + 1].foldedCount += 1
            if levels[level + 1].foldedCount == SpectrumOverview.levelFactor { try foldUp(level + 1) }
        }

        private mutating func foldUp(_ level: Int) throws(CodecError) {
            let row = levels[level].folded
            levels[level].folded = [UInt8](repeating: 0, count: SpectrumOverview.bands)
            levels[level].foldedCount = 0
            try append(row, level: level)
        }

        private mutating func store(_ level: Int) throws(CodecError) {
            let rows = levels[level].pending.count / SpectrumOverview.bands
            guard rows > 0 else { return }
            do {
                try levels[level].array.write(levels[level].pending, origin: [levels[level].stored, 0], shape: [rows, SpectrumOverview.bands])
            } catch {
                throw CodecError.store(error, "cannot store the overview of recording \(recording)", file: levels[level].array.path)
            }
            levels[level].stored += rows
            levels[level].pending.removeAll(keepingCapacity: true)
        }

        /// Stores what is left and names the levels in the group's attributes (the overview is
        /// in use from then on); the levels of an earlier overview are removed.
        /// - Throws: ``CodecError/Code/corrupt`` when the rows appended were not the recording's.
        public mutating func finish() throws(CodecError) {
            for level in levels.indices.dropFirst() where levels[level].foldedCount > 0 { try foldUp(level) }
            for level in levels.indices { try store(level) }
            guard levels.allSatisfy({ $0.stored == $0.array.shape[0] }) else {
                throw CodecError(.corrupt, "the overview of recording \(recording) got \(levels.first?.stored ?? 0) frames, not \(levels.first?.array.shape[0] ?? 0)", recording: recording)
            }
            let facts: JSONValue = .object([
                "version": .string(version), "total_samples": .int(totalSamples), "frame_samples": .int(Int64(SpectrumOverview.frameSamples)),
                "bands": .int(Int64(SpectrumOverview.bands)), "level_factor": .int(Int64(SpectrumOverview.levelFactor)),
                "fft": .object(["size": .int(Int64(SpectrumOverview.fftSize)), "hop": .int(Int64(SpectrumOverview.fftHop)), "window": .string("hann")]),
                "levels": .array(levels.map { .string($0.array.path.split(separator: "/").last.map(String.init) ?? "") }),
                "value": .string("dB full scale = byte / 2 - 127 (0: -127 dB or below); the loudest of any FFT of the row's samples in the band, channels averaged"),
            ])
            do {
                try group.changeAttributes { _ in [SpectrumOverview.attributeKey: facts] }
                for child in try group.store.listDirectory(group.path) where child.contains("-") && !child.hasSuffix("-" + version) {
                    try group.deleteChild(child)
                }
            } catch {
                throw CodecError.store(error, "cannot name the overview of recording \(recording)", file: group.path)
            }
        }
    }
}

extension AudioArchive {
    /// The spectrum overview of recording `id` with `totalSamples` samples, or nil when none
    /// is stored for those samples.
    public func overview(of id: String, totalSamples: Int64) -> SpectrumOverview? {
        SpectrumOverview.load(id, totalSamples: totalSamples, from: store, folder: SpectrumOverview.folder(of: path))
    }

    /// A writer of recording `id`'s overview (``SpectrumOverview/Writer``).
    public func overviewWriter(for id: String, totalSamples: Int64) throws(CodecError) -> SpectrumOverview.Writer {
        try SpectrumOverview.Writer(recording: id, totalSamples: totalSamples, store: store, folder: SpectrumOverview.folder(of: path))
    }
}
