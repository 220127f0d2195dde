import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM: the command stops with one line on stderr and exit status 130,
/// removing the partial files it registered, so that nothing half-written is left visible. An
/// import in progress needs nothing removed: it is staged inside the archive's `.zarrwlr/`
/// folder, invisible until committed, and cleared by the next `import` or `verify`.
enum Interruption {
    private struct State {
        var message = "interrupted"
        var partialFiles: Set<String> = []
        var sources: [any DispatchSourceSignal] = []
    }

    private static let state = Mutex(State())

    /// Installs the handlers with the line to print when interrupted.
    static func install(message: String) {
        state.withLock { state in
            state.message = message
            guard state.sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { stop(status: signalNumber == SIGINT ? 130 : 143) }
                source.resume()
                state.sources.append(source)
            }
        }
    }

    /// A file being written that an interruption removes.
    static func register(partial path: String) {
        state.withLock { _ = $0.partialFiles.insert(path) }
    }

    /// The file is complete (renamed into place) or already removed.
    static func unregister(partial path: String) {
        state.withLock { _ = $0.partialFiles.remove(path) }
    }

    private static func stop(status: Int32) -> Never {
        let (message, files) = state.withLock { ($0.message, $0.partialFiles) }
        for file in files { unlink(file) }
        FileHandle.standardError.write(Data("\naimport: \(message)\n".utf8))
        exit(status)
    }
}
