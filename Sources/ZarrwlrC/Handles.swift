import AudioImport
import CodecCore
import Foundation
import Synchronization

/// What the C ABI hands out as opaque pointers: a retained box per open archive or recording,
/// released by its `*_free` function. The boxes hold only Sendable values, so one handle may be
/// used from several threads at once (as Python threads do once the GIL is released).
final class ArchiveBox: Sendable {
    let archive: AudioArchive
    init(_ archive: AudioArchive) { self.archive = archive }
}

final class ReaderBox: Sendable {
    let reader: any RecordingReader
    let id: String
    init(_ reader: any RecordingReader, id: String) {
        self.reader = reader
        self.id = id
    }
}

final class SpanBox: Sendable {
    let span: Timeline.Span
    init(_ span: Timeline.Span) { self.span = span }
}

enum Handle {
    static func retain(_ object: AnyObject) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(object).toOpaque()
    }

    static func archive(_ pointer: UnsafeMutableRawPointer?) -> AudioArchive? {
        pointer.map { Unmanaged<ArchiveBox>.fromOpaque($0).takeUnretainedValue().archive }
    }

    static func reader(_ pointer: UnsafeMutableRawPointer?) -> ReaderBox? {
        pointer.map { Unmanaged<ReaderBox>.fromOpaque($0).takeUnretainedValue() }
    }

    static func span(_ pointer: UnsafeMutableRawPointer?) -> SpanBox? {
        pointer.map { Unmanaged<SpanBox>.fromOpaque($0).takeUnretainedValue() }
    }

    static func release(_ pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        Unmanaged<AnyObject>.fromOpaque(pointer).release()
    }
}

/// Errors cross the boundary as a malloc'ed JSON object (`code`, `message`, `file`,
/// `recording`) written to the caller's `char **error`; the caller frees it with `zw_free`.
enum ErrorOut {
    static func write(_ error: CodecError, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        var object: [String: String] = ["code": error.code.description, "message": error.message]
        if let file = error.file { object["file"] = file }
        if let recording = error.recording { object["recording"] = recording }
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        out?.pointee = strdup(json)
    }

    static func write(_ message: String, code: CodecError.Code = .invalidArgument, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        write(CodecError(code, message), to: out)
    }
}

/// Runs async library work to completion from a C caller's thread (never a Swift concurrency
/// thread: C callers are Python or plain threads), waiting on a semaphore.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws(CodecError) -> T) -> Result<T, CodecError> {
        let result = Mutex<Result<T, CodecError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let outcome: Result<T, CodecError>
            do throws(CodecError) { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 } ?? .failure(CodecError(.library, "the operation did not finish"))
    }
}
