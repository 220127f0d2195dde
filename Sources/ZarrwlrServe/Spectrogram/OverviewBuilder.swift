import CodecCore
import Foundation
import ZarrwlrArchive
import ZarrStore

/// Computes a recording's ``SpectrumOverview`` from its samples: reads of 64 frames (about a
/// million samples, the channels' mean), the frames of each read transformed on `workers`
/// threads, their rows handed to the writer in order. Memory: one read and one chunk of rows
/// per level, whatever the recording's length.
public enum OverviewBuilder {
    static let framesPerRead = 64

    /// Builds the overview of the recording `reader` reads into `writer` and finishes it.
    public static func build(_ reader: any RecordingReader, into writer: inout SpectrumOverview.Writer, workers: Int = 2) throws(CodecError) {
        let frameSamples = SpectrumOverview.frameSamples, size = SpectrumOverview.fftSize, hop = SpectrumOverview.fftHop
        let fft = RealFFT.of(size: size)
        let window = HannWindow(size: size)
        var first: Int64 = 0
        while first < reader.totalSamples {
            let frames = Int(min(Int64(framesPerRead), (reader.totalSamples - first + Int64(frameSamples) - 1) / Int64(frameSamples)))
            // The last FFTs of a frame reach size - hop samples into the next.
            let samples = try MonoSamples.read(reader, from: first, count: frames * frameSamples + size - hop, channel: nil)
            let rows = ForkSafeMutex([[UInt8]](repeating: [], count: frames))
            try OwnThreads.forEach(frames, workers: workers) { frame in
                let powers = fft.maximumPowers(samples, from: frame * frameSamples, windows: frameSamples / hop, hop: hop, window: window.weights)
                // Band b lies between bins b and b + 1.
                let row = (0..<SpectrumOverview.bands).map { band in
                    SpectrumOverview.byte(decibels: window.decibels(power: max(powers[band], powers[band + 1])))
                }
                rows.withLock { $0[frame] = row }
            }
            for row in rows.withLock({ $0 }) { try writer.append(row) }
            first += Int64(frames * frameSamples)
        }
        try writer.finish()
    }
}
