import CodecCore
import Foundation
import Synchronization
import ZarrStore

/// Ctrl-C (SIGINT) and SIGTERM: the command stops with one line on stderr and exit status 130
/// (143 for SIGTERM), removing the partial files it registered, so that nothing half-written is
/// left visible. An import in progress needs nothing removed: it is staged inside the archive's
/// `.zarrwlr/` folder, invisible until committed, and cleared by the next `import` or `verify`.
///
/// The signal is noted in the handler itself (an atomic store and a `write(2)` to a pipe, both
/// async-signal-safe), so that a file put in place after the signal arrived is never put in
/// place: ``putInPlace(_:_:)`` checks the note under the same lock the stop takes. A thread of its
/// own, blocked on the pipe, does the stop, so a busy thread pool cannot delay it.
enum Interruption {
    private struct State {
        var message = "interrupted"
        var partialFiles: Set<String> = []
        var installed = false
    }

    private static let state = ForkSafeMutex(State())
    /// The signal that arrived (0: none). Written by the signal handler.
    private static let arrived = Atomic<Int32>(0)
    /// The pipe's write end, set once before the handlers are installed.
    private static let wakeWriter = Atomic<Int32>(-1)

    /// Installs the handlers with the line to print when interrupted.
    static func install(message: String) {
        let first = state.withLock { state in
            state.message = message
            defer { state.installed = true }
            return !state.installed
        }
        guard first else { return }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        wakeWriter.store(ends[1], ordering: .sequentiallyConsistent)
        let reader = ends[0]
        let watching = ThreadStart.detached {
            var byte: UInt8 = 0
            while read(reader, &byte, 1) < 0, errno == EINTR {}
            let signalNumber = arrived.load(ordering: .sequentiallyConsistent)
            stop(status: signalNumber == SIGTERM ? 143 : 130)
        }
        // Without the thread that acts on them (the system's limit reached), the signals keep
        // their default action, which ends the process at once; the pipe is not needed.
        guard watching else {
            wakeWriter.store(-1, ordering: .sequentiallyConsistent)
            close(ends[0])
            close(ends[1])
            return
        }
        for signalNumber in [SIGINT, SIGTERM] {
            // Only atomics and write(2) in here: async-signal-safe.
            signal(signalNumber) { received in
                _ = Interruption.arrived.compareExchange(expected: 0, desired: received, ordering: .sequentiallyConsistent)
                var byte: UInt8 = 1
                _ = write(Interruption.wakeWriter.load(ordering: .sequentiallyConsistent), &byte, 1)
            }
        }
    }

    /// A file being written that an interruption removes.
    static func register(partial path: String) {
        state.withLock { _ = $0.partialFiles.insert(path) }
    }

    /// The file is removed; an interruption has nothing to do for it.
    static func unregister(partial path: String) {
        state.withLock { _ = $0.partialFiles.remove(path) }
    }

    /// Runs `move` (the rename or link that makes `partial` visible under its final name) unless
    /// an interruption has arrived: then the command stops instead, removing the partial file, so
    /// that what the stop's message says (nothing written) stays true.
    static func putInPlace(_ partial: String, _ move: () throws(CodecError) -> Void) throws(CodecError) {
        let moved: Result<Bool, CodecError> = state.withLock { state in
            guard arrived.load(ordering: .sequentiallyConsistent) == 0 else { return .success(false) }
            do throws(CodecError) { try move() } catch { return .failure(error) }
            state.partialFiles.remove(partial)
            return .success(true)
        }
        guard try moved.get() else {
            stop(status: arrived.load(ordering: .sequentiallyConsistent) == SIGTERM ? 143 : 130)
        }
    }

    /// Removes the registered partial files, prints the message and exits, all under the lock,
    /// so that no file is put in place once the stop has begun.
    ///
    /// `_exit`, after flushing the output streams: `exit` runs the libraries' exit handlers
    /// while the other threads go on, and libcrypto's freed its locks under a thread still
    /// hashing the source (a segmentation fault after the message, one run in several).
    private static func stop(status: Int32) -> Never {
        state.withLock { state -> Never in
            for file in state.partialFiles { unlink(file) }
            FileHandle.standardError.write(Data("\naimport: \(state.message)\n".utf8))
            fflush(nil)
            _exit(status)
        }
    }
}
