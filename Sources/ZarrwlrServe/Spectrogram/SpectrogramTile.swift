import CodecCore
import Foundation
import ZarrwlrArchive
import ZarrStore

/// A spectrogram tile: seconds `start..<end` of a recording by frequencies `lowHz...highHz`,
/// `width x height` pixels, from FFTs of `fftSize` samples (Hann window) centred on each
/// column, in dB full scale (a full-scale sine reads 0 dB) mapped from `dbMin...dbMax` onto a
/// colour map. Each pixel row shows the loudest bin in its band. Columns whose window reaches
/// past the recording's ends see zeros there.
public struct SpectrogramTile: Sendable, Hashable {
    public var recording: String
    public var start: Double
    public var end: Double
    public var lowHz: Double
    public var highHz: Double
    public var width: Int
    public var height: Int
    public var fftSize: Int
    public var dbMin: Double
    public var dbMax: Double
    public var colours: ColourMap
    /// The channel drawn (nil: the mean of all).
    public var channel: Int?

    /// The latest second a request may name (about 31 years, the bound of `aimport extract`):
    /// seconds times any sample rate stay far inside the sample positions' 64 bits.
    public static let latestSecond = 1e9
    /// The highest frequency a request may name.
    public static let highestHz = 1e9

    /// A tile from the query of `GET /api/tile` (the README lists the parameters); the
    /// frequency range defaults to the recording's (0 to half its rate).
    /// - Throws: ``CodecError/Code/invalidArgument`` naming the parameter that is wrong.
    public init(query: [String: String], sampleRate: Int) throws(CodecError) {
        func number(_ name: String, _ fallback: Double?) throws(CodecError) -> Double {
            guard let text = query[name] else {
                guard let fallback else { throw CodecError(.invalidArgument, "the parameter \(name) is missing") }
                return fallback
            }
            guard let value = Double(text), value.isFinite else { throw CodecError(.invalidArgument, "\(name) must be a number, not '\(text)'") }
            return value
        }
        func integer(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(CodecError) -> Int {
            let text = query[name] ?? String(fallback)
            guard let value = Int(text), range.contains(value) else { throw CodecError(.invalidArgument, "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'") }
            return value
        }
        recording = query["recording"] ?? ""
        start = try number("start", nil)
        end = try number("end", nil)
        lowHz = try number("low", 0)
        highHz = try number("high", Double(sampleRate) / 2)
        width = try integer("width", 256, 1...2048)
        height = try integer("height", 256, 1...2048)
        fftSize = try integer("fft", 1024, 16...65_536)
        dbMin = try number("db_min", -120)
        dbMax = try number("db_max", 0)
        guard let map = ColourMap(rawValue: query["colours"] ?? "viridis") else {
            throw CodecError(.invalidArgument, "colours must be \(ColourMap.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        colours = map
        channel = try query["channel"].map { text throws(CodecError) in
            guard let value = Int(text), value >= 0 else { throw CodecError(.invalidArgument, "channel must be 0 or more, not '\(text)'") }
            return value
        }
        guard start >= 0, end > start, end <= Self.latestSecond, end - start <= 1e7 else {
            throw CodecError(.invalidArgument, "start and end must be seconds with 0 <= start < end <= \(Int(Self.latestSecond)), at most 10000000 s apart (not \(start), \(end))")
        }
        guard lowHz >= 0, highHz > lowHz, highHz <= Self.highestHz else {
            throw CodecError(.invalidArgument, "low and high must be Hz with 0 <= low < high <= \(Int(Self.highestHz)) (not \(lowHz), \(highHz))")
        }
        guard dbMax > dbMin else { throw CodecError(.invalidArgument, "db_max must be above db_min") }
        guard fftSize % 2 == 0 else { throw CodecError(.invalidArgument, "fft must be even, not \(fftSize)") }
    }

    /// The tile as PNG bytes. Its columns are FFTs of `reader`'s samples, each centred on its
    /// column, or, when a column spans at least a frame of `overview` (and no single channel is
    /// asked for), the loudest level of each band over the column's samples, from the overview.
    /// The samples are read per column on `workers` threads, or as one span (in `workers`
    /// pieces side by side) where that reads fewer samples or, when `readsAreRoundTrips`, up to
    /// a frame of the overview per column: on object storage a read costs a round trip, and a
    /// few large ones beat a read per column.
    public func render(from reader: any RecordingReader, overview: SpectrumOverview? = nil, workers: Int = 8, readsAreRoundTrips: Bool = false) throws(CodecError) -> [UInt8] {
        if let channel, channel >= reader.channelCount {
            throw CodecError(.invalidArgument, "channel \(channel) is not in the recording (it has \(reader.channelCount))", recording: recording)
        }
        let rate = Double(reader.sampleRate)
        let decibels: [Double]
        if drawsFromOverview(sampleRate: reader.sampleRate), let overview, overview.levelCount > 0 {
            decibels = try overviewDecibels(overview, rate: rate)
        } else {
            decibels = try sampleDecibels(reader, rate: rate, workers: workers, readsAreRoundTrips: readsAreRoundTrips)
        }
        var image = PNGImage(width: width, height: height)
        for (at, db) in decibels.enumerated() {
            let (r, g, b) = colours.rgb((db - dbMin) / (dbMax - dbMin))
            image.pixels[at * 3] = r
            image.pixels[at * 3 + 1] = g
            image.pixels[at * 3 + 2] = b
        }
        return try image.encoded()
    }

    /// Whether the tile is drawn from a spectrum overview when there is one: each column spans
    /// at least an overview frame of a recording at `sampleRate`, and no single channel is asked for.
    public func drawsFromOverview(sampleRate: Int) -> Bool {
        channel == nil && (end - start) * Double(sampleRate) / Double(width) >= Double(SpectrumOverview.frameSamples)
    }

    /// The dB of every pixel (row by row, the top row the highest frequencies) from FFTs of
    /// the samples around each column's centre: the loudest bin of each row's band.
    private func sampleDecibels(_ reader: any RecordingReader, rate: Double, workers: Int, readsAreRoundTrips: Bool) throws(CodecError) -> [Double] {
        let fft = RealFFT.of(size: fftSize)
        let window = HannWindow(size: fftSize)
        let half = Int64(fftSize / 2)
        let firsts = (0..<width).map { column in
            Int64(((start + (Double(column) + 0.5) * (end - start) / Double(width)) * rate).rounded()) - half
        }
        let spanFirst = firsts[0], spanCount = firsts[width - 1] - spanFirst + Int64(fftSize)
        let spanPerColumn = readsAreRoundTrips ? max(4 * fftSize, SpectrumOverview.frameSamples) : fftSize
        let closeTogether = (end - start) * rate / Double(width) <= Double(spanPerColumn)
        var denseSpan: [Float]?
        if closeTogether && spanCount * Int64(reader.channelCount) <= 1 << 23 {
            // In pieces read side by side: decoding (and on object storage, fetching) the span is most of a tile's time.
            let pieces = Int(max(1, min(Int64(workers), spanCount / 65_536)))
            let read = ForkSafeMutex([[Float]](repeating: [], count: pieces))
            let channel = self.channel
            try OwnThreads.forEach(pieces, workers: workers) { (piece) throws(CodecError) in
                let from = spanCount * Int64(piece) / Int64(pieces), to = spanCount * Int64(piece + 1) / Int64(pieces)
                let samples = try MonoSamples.read(reader, from: spanFirst + from, count: Int(to - from), channel: channel)
                read.withLock { $0[piece] = samples }
            }
            denseSpan = read.withLock { $0.flatMap { $0 } }
        }
        let span = denseSpan
        let columns = ForkSafeMutex<[[Float]]>([[Float]](repeating: [], count: width))
        let spec = self
        try OwnThreads.forEach(width, workers: workers) { (column) throws(CodecError) in
            let powers: [Float]
            if let span {
                powers = fft.maximumPowers(span, from: Int(firsts[column] - spanFirst), windows: 1, hop: spec.fftSize, window: window.weights)
            } else {
                let samples = try MonoSamples.read(reader, from: firsts[column], count: spec.fftSize, channel: spec.channel)
                powers = fft.maximumPowers(samples, from: 0, windows: 1, hop: spec.fftSize, window: window.weights)
            }
            columns.withLock { $0[column] = powers }
        }
        let binHz = rate / Double(fftSize)
        let bins = rowRanges { bottom, top in
            let first = max(0, Int((bottom / binHz).rounded()))
            return first <= spec.fftSize / 2 ? first...min(spec.fftSize / 2, max(first, Int((top / binHz).rounded()))) : nil
        }
        return pixels(columns.withLock { $0 }, rows: bins) { window.decibels(power: $0) }
    }

    /// The dB of every pixel from the overview's level whose rows are the largest that still
    /// fit a column: the loudest row of the column's span in each row's bands.
    private func overviewDecibels(_ overview: SpectrumOverview, rate: Double) throws(CodecError) -> [Double] {
        let samplesPerColumn = (end - start) * rate / Double(width)
        let level = (0..<overview.levelCount).last { Double(SpectrumOverview.rowSamples(level: $0)) <= samplesPerColumn } ?? 0
        let rowSamples = Double(SpectrumOverview.rowSamples(level: level))
        let wanted = Int((start * rate / rowSamples).rounded(.down))..<Int((end * rate / rowSamples).rounded(.up))
        let (first, stored) = try overview.rows(wanted, of: level)
        let storedRows = stored.count / SpectrumOverview.bands
        let bandCount = SpectrumOverview.bands
        let columns = (0..<width).map { column -> [UInt8] in
            var loudest = [UInt8](repeating: 0, count: bandCount)
            let from = (start + Double(column) * (end - start) / Double(width)) * rate / rowSamples
            let to = (start + Double(column + 1) * (end - start) / Double(width)) * rate / rowSamples
            let lower = Int(from.rounded(.down)), upper = max(lower + 1, Int(to.rounded(.up)))
            for row in max(lower, first)..<max(max(lower, first), min(upper, first + storedRows)) {
                for band in 0..<bandCount { loudest[band] = max(loudest[band], stored[(row - first) * bandCount + band]) }
            }
            return loudest
        }
        let bandHz = rate / 2 / Double(bandCount)
        let bands = rowRanges { bottom, top in
            let first = Int((bottom / bandHz).rounded(.down))
            return first < bandCount ? first...min(bandCount - 1, max(first, Int((top / bandHz).rounded(.up)) - 1)) : nil
        }
        return pixels(columns, rows: bands) { SpectrumOverview.decibels($0) }
    }

    /// For each pixel row (the top one first), the indexes `index(bottom Hz, top Hz)` of the
    /// values its band covers, nil for a band above the recording's frequencies.
    private func rowRanges(_ index: (Double, Double) -> ClosedRange<Int>?) -> [ClosedRange<Int>?] {
        (0..<height).map { row in
            let top = highHz - Double(row) * (highHz - lowHz) / Double(height)
            let bottom = highHz - Double(row + 1) * (highHz - lowHz) / Double(height)
            return index(bottom, top)
        }
    }

    /// The dB of the loudest of each column's values in each row's range (silence where a row
    /// has none), row by row.
    private func pixels<Value: Comparable>(_ columns: [[Value]], rows: [ClosedRange<Int>?], decibels: (Value) -> Double) -> [Double] {
        var out = [Double](repeating: -.infinity, count: width * height)
        for (row, range) in rows.enumerated() {
            guard let range else { continue }
            for (column, values) in columns.enumerated() where range.upperBound < values.count {
                if let loudest = values[range].max() { out[row * width + column] = decibels(loudest) }
            }
        }
        return out
    }
}
