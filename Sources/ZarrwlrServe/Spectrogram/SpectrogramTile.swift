import CodecCore
import Foundation
import Synchronization
import ZarrwlrArchive

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
        guard start >= 0, end > start, end - start <= 1e7 else { throw CodecError(.invalidArgument, "start and end must be seconds with 0 <= start < end (not \(start), \(end))") }
        guard lowHz >= 0, highHz > lowHz else { throw CodecError(.invalidArgument, "low and high must be Hz with 0 <= low < high (not \(lowHz), \(highHz))") }
        guard dbMax > dbMin else { throw CodecError(.invalidArgument, "db_max must be above db_min") }
        guard fftSize % 2 == 0 else { throw CodecError(.invalidArgument, "fft must be even, not \(fftSize)") }
    }

    /// The tile as PNG bytes, read from `reader` (columns decoded on `workers` threads).
    public func render(from reader: any RecordingReader, workers: Int = 2) throws(CodecError) -> [UInt8] {
        if let channel, channel >= reader.channelCount {
            throw CodecError(.invalidArgument, "channel \(channel) is not in the recording (it has \(reader.channelCount))", recording: recording)
        }
        let rate = Double(reader.sampleRate)
        let fft = RealFFT.of(size: fftSize)
        let window = (0..<fftSize).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(fftSize))) }
        let gain = 2 / Double(window.reduce(0, +))
        let columns = Mutex<[[Float]]>([[Float]](repeating: [], count: width))
        let spec = self
        try OwnThreads.forEach(width, workers: workers) { (column) throws(CodecError) in
            let centre = Int64(((spec.start + (Double(column) + 0.5) * (spec.end - spec.start) / Double(spec.width)) * rate).rounded())
            var samples = try spec.mono(reader, from: centre - Int64(spec.fftSize / 2), count: spec.fftSize)
            for k in 0..<samples.count { samples[k] *= window[k] }
            let magnitudes = fft.magnitudes(samples)
            columns.withLock { $0[column] = magnitudes }
        }
        var image = PNGImage(width: width, height: height)
        let spectra = columns.withLock { $0 }
        let binHz = rate / Double(fftSize)
        for row in 0..<height {
            // Row 0 is the top: the highest frequencies.
            let top = highHz - Double(row) * (highHz - lowHz) / Double(height)
            let bottom = highHz - Double(row + 1) * (highHz - lowHz) / Double(height)
            let firstBin = max(0, Int((bottom / binHz).rounded())), lastBin = min(fftSize / 2, max(firstBin, Int((top / binHz).rounded())))
            for column in 0..<width {
                let spectrum = spectra[column]
                var loudest: Float = 0
                if firstBin <= fftSize / 2 { for bin in firstBin...lastBin { loudest = max(loudest, spectrum[bin]) } }
                let db = 20 * log10(max(Double(loudest) * gain, 1e-12))
                let (r, g, b) = colours.rgb((db - dbMin) / (dbMax - dbMin))
                let at = (row * width + column) * 3
                image.pixels[at] = r
                image.pixels[at + 1] = g
                image.pixels[at + 2] = b
            }
        }
        return try image.encoded()
    }

    /// `count` samples from `first` (zeros outside the recording), one channel or the mean.
    private func mono(_ reader: any RecordingReader, from first: Int64, count: Int) throws(CodecError) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        let lower = max(0, first), upper = min(reader.totalSamples, first + Int64(count))
        guard upper > lower else { return out }
        let buffer = try reader.extract(lower..<upper, as: .float32)
        guard case .float32(let values) = buffer.samples else { return out }
        let channels = reader.channelCount
        let offset = Int(lower - first)
        for frame in 0..<Int(upper - lower) {
            if let channel {
                out[offset + frame] = values[frame * channels + channel]
            } else {
                var sum: Float = 0
                for c in 0..<channels { sum += values[frame * channels + c] }
                out[offset + frame] = sum / Float(channels)
            }
        }
        return out
    }
}
