import CodecCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ZarrStore

/// A one-line progress display on stderr (files done, MiB of the input read, MiB/s, ETA), shown
/// only when stderr is a terminal. It is redrawn four times a second from the ``ReadProgress`` of
/// each file being imported, so it moves within a long file; ``clear(while:)`` wipes it before a
/// result line is printed.
final class Progress: Sendable {
    private struct State {
        var doneFiles = 0
        var doneBytes: Int64 = 0
        /// Files being imported: their size and how far they are read.
        var active: [String: (size: Int64, progress: ReadProgress)] = [:]
        var shown = false
        var stopped = false
    }

    private let totalBytes: Int64
    private let files: Int
    private let started = ContinuousClock.now
    private let state = ForkSafeMutex(State())
    private let enabled = isatty(STDERR_FILENO) != 0

    init(totalBytes: Int64, files: Int) {
        self.totalBytes = totalBytes
        self.files = files
        guard enabled else { return }
        // Without a thread (the system's limit reached) the import goes on without its progress line.
        _ = ThreadStart.detached { [self] in
            while !state.withLock({ $0.stopped }) {
                redraw()
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
    }

    /// The reporter for `file`, whose import starts now.
    func started(file: String) -> ReadProgress {
        let progress = ReadProgress()
        let size = Self.size(of: file)
        state.withLock { $0.active[file] = (size, progress) }
        return progress
    }

    func finished(file: String) {
        let size = Self.size(of: file)
        state.withLock {
            $0.active[file] = nil
            $0.doneFiles += 1
            $0.doneBytes += size
        }
    }

    /// Runs `body` (which prints a result line) with the progress line cleared first.
    func clear(while body: () -> Void) {
        state.withLock { state in
            if state.shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            state.shown = false
            body()
        }
    }

    private func redraw() {
        state.withLock { state in
            guard !state.stopped else { return }
            let bytes = state.doneBytes + state.active.values.reduce(0) { $0 + min($1.size, $1.progress.value) }
            let elapsed = (ContinuousClock.now - started).components
            let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 0.001)
            let rate = Double(bytes) / seconds
            let eta = rate > 0 ? Int(Double(max(0, totalBytes - bytes)) / rate) : 0
            let line = "\r\u{1B}[2K[\(state.doneFiles)/\(files) files] \(bytes >> 20)/\(totalBytes >> 20) MiB, \(String(format: "%.1f", rate / 1_048_576)) MiB/s, ETA \(eta / 60):\(String(format: "%02d", eta % 60))"
            FileHandle.standardError.write(Data(line.utf8))
            state.shown = true
        }
    }

    /// A file's size in bytes (0 when it cannot be read).
    static func size(of file: String) -> Int64 {
        SourceFile.status(file)?.size ?? 0
    }

    /// Stops the display and removes its line.
    func done() {
        clear {}
        state.withLock { $0.stopped = true }
    }
}
