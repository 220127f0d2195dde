internal import CFFTW
import ZarrStore

/// Power spectra of `size` real samples with FFTW (single precision, Debian's libfftw3f).
///
/// This is the one type here that holds C pointers. It is safe to share between threads
/// (`@unchecked Sendable`): the plan is made once under ``planner`` (FFTW's planner is not
/// thread-safe) and never changed or freed while the type is alive (plans are cached for the
/// process); ``maximumPowers(_:from:windows:hop:window:)`` runs it with `fftwf_execute_dft_r2c` on arrays of its own call,
/// which FFTW allows from any thread, allocated with `fftwf_malloc` so their alignment is the
/// planning arrays'.
final class RealFFT: @unchecked Sendable {
    let size: Int
    private let plan: fftwf_plan

    /// Plans by size, made under this lock.
    private static let planner = ForkSafeMutex<[Int: RealFFT]>([:])

    /// The transform of `size` samples (planned once per size and process).
    static func of(size: Int) -> RealFFT {
        planner.withLock { plans in
            if let known = plans[size] { return known }
            let made = RealFFT(size: size)
            plans[size] = made
            return made
        }
    }

    private init(size: Int) {
        self.size = size
        let input = fftwf_alloc_real(size)
        let output = fftwf_alloc_complex(size / 2 + 1)
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE))
        fftwf_free(input)
        fftwf_free(output)
    }

    /// For each k in 0...size/2, the largest |X_k|^2 over `windows` transforms of `size`
    /// samples of `samples`, the first from `start`, each `hop` after the one before, each
    /// multiplied by `window` (`size` weights) first. Reads past the end of `samples` see zeros.
    func maximumPowers(_ samples: [Float], from start: Int, windows: Int, hop: Int, window: [Float]) -> [Float] {
        precondition(window.count == size && start >= 0 && hop > 0)
        let bins = size / 2 + 1
        var powers = [Float](repeating: 0, count: bins)
        guard let input = fftwf_alloc_real(size), let output = fftwf_alloc_complex(bins) else { return powers }
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        for w in 0..<windows {
            let first = start + w * hop
            for k in 0..<size {
                let at = first + k
                input[k] = at < samples.count ? samples[at] * window[k] : 0
            }
            fftwf_execute_dft_r2c(plan, input, output)
            for k in 0..<bins {
                let (re, im) = (output[k].0, output[k].1)
                powers[k] = max(powers[k], re * re + im * im)
            }
        }
        return powers
    }
}
