import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

/// What the C ABI hands out as opaque pointers: a retained box per open archive or recording,
/// released by its `*_free` function. The boxes hold only Sendable values, so one handle may be
/// used from several threads at once (as Python threads do once the GIL is released).
final class ArchiveBox: Sendable {
    let archive: AudioArchive
    /// The archive's batch reader, whose recording readers stay open across batches.
    let batches: BatchReader
    init(_ archive: AudioArchive) {
        self.archive = archive
        batches = BatchReader(archive: archive)
    }
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

/// The C ABI's handles are numbers into one table, never addresses: a handle is looked up under
/// a lock and the caller gets a strong reference, so a read that is running keeps its reader
/// alive while another thread frees the handle (the object goes when the last user lets go).
/// A freed, doubly freed, never issued or wrong-kind handle finds nothing and becomes a typed
/// error; numbers are never reused, so a stale handle cannot reach a newer object.
enum Handle {
    private enum Entry {
        case archive(ArchiveBox)
        case reader(ReaderBox)
        case span(SpanBox)
    }

    private struct Table: ~Copyable {
        var next: UInt = 1
        var entries: [UInt: Entry] = [:]
    }

    private static let table = ForkSafeMutex(heldAcrossFork: Table())

    private static func issue(_ entry: Entry) -> UnsafeMutableRawPointer? {
        table.withLock { table in
            let number = table.next
            table.next += 1
            table.entries[number] = entry
            return UnsafeMutableRawPointer(bitPattern: number)
        }
    }

    private static func entry(_ pointer: UnsafeMutableRawPointer?) -> Entry? {
        guard let pointer else { return nil }
        let number = UInt(bitPattern: pointer)
        return table.withLock { $0.entries[number] }
    }

    static func issue(_ box: ArchiveBox) -> UnsafeMutableRawPointer? { issue(.archive(box)) }
    static func issue(_ box: ReaderBox) -> UnsafeMutableRawPointer? { issue(.reader(box)) }
    static func issue(_ box: SpanBox) -> UnsafeMutableRawPointer? { issue(.span(box)) }

    static func archive(_ pointer: UnsafeMutableRawPointer?) -> AudioArchive? {
        if case .archive(let box) = entry(pointer) { return box.archive }
        return nil
    }

    static func batches(_ pointer: UnsafeMutableRawPointer?) -> BatchReader? {
        if case .archive(let box) = entry(pointer) { return box.batches }
        return nil
    }

    static func reader(_ pointer: UnsafeMutableRawPointer?) -> ReaderBox? {
        if case .reader(let box) = entry(pointer) { return box }
        return nil
    }

    static func span(_ pointer: UnsafeMutableRawPointer?) -> SpanBox? {
        if case .span(let box) = entry(pointer) { return box }
        return nil
    }

    static let closedArchive = "no open archive: the handle was closed, or is not an archive's"
    static let closedRecording = "no open recording: the handle was closed, or is not a recording's"
    static let closedSpan = "no open span: the handle was freed, or is not a span's"

    /// Forgets the handle; the object is freed once no running call holds it. Freeing a handle
    /// twice, or one never issued, does nothing.
    static func release(_ pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        let number = UInt(bitPattern: pointer)
        let removed = table.withLock { $0.entries.removeValue(forKey: number) }
        _ = removed  // dropped here, outside the lock: a reader's deinit may take time
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
///
/// A process forked after such work started (a data-loader worker forked from a parent that
/// imported) has no task threads (a fork copies only the forking thread), and the work would
/// wait forever: there it is refused with a typed error instead.
enum Blocking {
    /// The process that first started task work; nil before.
    private static let starter = ForkSafeMutex<pid_t?>(heldAcrossFork: nil)

    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws(CodecError) -> T) -> Result<T, CodecError> {
        let me = getpid()
        guard starter.withLock({ pid in
            if pid == nil { pid = me }
            return pid == me
        }) else {
            return .failure(CodecError(.unsupported, "this process was forked from one in which the library had started its task threads, which a fork does not copy; import in the parent, or in a process started with spawn (reading works here)"))
        }
        let result = ForkSafeMutex<Result<T, CodecError>?>(nil)
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
