import Foundation

/// The Hann window of one FFT size, and the scale that turns a windowed bin's power into dB
/// full scale (a full-scale sine's bin reads 0 dB). Tiles and spectrum overviews use the same.
struct HannWindow: Sendable {
    /// `size` weights, 0.5 - 0.5 cos(2 pi k / size).
    let weights: [Float]
    /// 2 / the sum of the weights: a sine's amplitude from its bin's magnitude.
    let gain: Double

    init(size: Int) {
        weights = (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size))) }
        gain = 2 / Double(weights.reduce(0, +))
    }

    /// dB full scale of `power` (|X_k|^2 of samples windowed by ``weights``); -240 dB for silence.
    func decibels(power: Float) -> Double {
        10 * log10(max(Double(power) * gain * gain, 1e-24))
    }
}
