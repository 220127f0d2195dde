import ArgumentParser

/// The bounds of every option that sets how many things run at once (`--jobs`, `--workers`):
/// each one holds buffers or a thread of its own, so a mistyped count (`--workers 100000`) is
/// refused instead of taking the machine's memory.
enum ParallelOption {
    static let maximum = 256

    /// Throws a usage error naming `option` when `value` is outside 1...``maximum``.
    static func check(_ value: Int, _ option: String) throws {
        guard (1...maximum).contains(value) else { throw ValidationError("\(option) must be 1 to \(maximum), not \(value)") }
    }
}
