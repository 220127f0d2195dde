import CodecCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A one-line progress display on stderr (files, bytes/s, ETA), shown only when stderr is a terminal.
final class Progress {
    private let totalBytes: Int64
    private let files: Int
    private var doneBytes: Int64 = 0
    private var doneFiles = 0
    private let started = ContinuousClock.now
    private let enabled = isatty(STDERR_FILENO) != 0

    init(totalBytes: Int64, files: Int) {
        self.totalBytes = totalBytes
        self.files = files
    }

    func finished(file: String) {
        doneFiles += 1
        doneBytes += Self.size(of: file)
        guard enabled else { return }
        let elapsed = max((ContinuousClock.now - started).components.seconds, 1)
        let rate = Double(doneBytes) / Double(elapsed)
        let eta = rate > 0 ? Int(Double(totalBytes - doneBytes) / rate) : 0
        let line = "\r[\(doneFiles)/\(files)] \(doneBytes >> 20)/\(totalBytes >> 20) MiB, \(String(format: "%.1f", rate / 1_048_576)) MiB/s, ETA \(eta / 60):\(String(format: "%02d", eta % 60))"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// A file's size in bytes (0 when it cannot be read).
    static func size(of file: String) -> Int64 {
        SourceFile.status(file)?.size ?? 0
    }

    func done() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
