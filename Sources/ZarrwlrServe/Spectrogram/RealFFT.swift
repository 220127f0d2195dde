internal import CFFTW
import Synchronization

/// Magnitude spectra of `size` real samples with FFTW (single precision, Debian's libfftw3f).
///
/// This is the one type here that holds C pointers. It is safe to share between threads
/// (`@unchecked Sendable`): the plan is made once under ``planner`` (FFTW's planner is not
/// thread-safe) and never changed or freed while the type is alive (plans are cached for the
/// process); ``magnitudes(_:)`` runs it with `fftwf_execute_dft_r2c` on arrays of its own call,
/// which FFTW allows from any thread, allocated with `fftwf_malloc` so their alignment is the
/// planning arrays'.
final class RealFFT: @unchecked Sendable {
    let size: Int
    private let plan: fftwf_plan

    /// Plans by size, made under this lock.
    private static let planner = Mutex<[Int: RealFFT]>([:])

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

    /// |X_k| for k in 0...size/2 of `samples` (exactly `size` of them).
    func magnitudes(_ samples: [Float]) -> [Float] {
        precondition(samples.count == size)
        let bins = size / 2 + 1
        guard let input = fftwf_alloc_real(size), let output = fftwf_alloc_complex(bins) else { return [Float](repeating: 0, count: bins) }
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        samples.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: size) }
        fftwf_execute_dft_r2c(plan, input, output)
        return (0..<bins).map { k in
            let (re, im) = (output[k].0, output[k].1)
            return (re * re + im * im).squareRoot()
        }
    }
}
