import Foundation
import Synchronization

/// Runs reference tools (python, flac, sox...) for tests and reports what they printed.
public enum ProcessRunner {
    /// The outcome of one run.
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
        /// Whether a signal ended it (`status` is then the signal's number).
        public var diedOfSignal = false
    }

    /// A failed run, with everything it printed.
    public struct Failure: Error, CustomStringConvertible {
        public let command: [String]
        public let result: Result
        public var description: String {
            "\(command.joined(separator: " ")) exited \(result.status)\n\(result.standardError)\(result.standardOutput)"
        }
    }

    /// Runs `executable` with `arguments` and waits; throws ``Failure`` on a non-zero exit.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let result = outcome(executable, arguments, environment: environment)
        guard result.status == 0 else { throw Failure(command: [executable] + arguments, result: result) }
        return result
    }

    /// How long a child may run before it is taken for hung (seconds): far past the slowest
    /// command of the tests on a loaded two-core machine.
    public static let defaultHangLimit = 600

    /// The status of a child stopped as hung.
    public static let hungStatus: Int32 = -2

    /// Runs `executable` with `arguments` and waits, whatever its exit status (for tests of
    /// failures); one that cannot be started has status -1 and the reason on standard error.
    /// A child still running after `hangLimit` seconds is killed (status ``hungStatus``), its
    /// thread stacks when it was stopped added to its standard error, so that a hang fails its
    /// test, saying where, instead of stopping the suite.
    /// - Parameters:
    ///   - directory: its working directory (default: this process's).
    ///   - standardOutput: where its standard output goes instead of the result's.
    ///   - standardInput: what it reads from a pipe on its standard input (default: nothing, /dev/null).
    public static func outcome(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, in directory: String? = nil,
        standardOutput: FileHandle? = nil, standardInput: Data? = nil, hangLimit: Int = defaultHangLimit
    ) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = standardOutput ?? out
        process.standardError = err
        let input = Pipe()
        process.standardInput = standardInput == nil ? FileHandle.nullDevice : input
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch { return Result(status: -1, standardOutput: "", standardError: "cannot start \(executable): \(error)") }
        if standardOutput != nil { try? out.fileHandleForWriting.close() }
        if let standardInput {
            // Written on a thread of its own: the child may read it after writing its outputs,
            // or never (then the write fails with EPIPE: SIGPIPE is blocked on this thread only).
            Thread { [input] in
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                try? input.fileHandleForWriting.write(contentsOf: standardInput)
                try? input.fileHandleForWriting.close()
            }.start()
        }
        // Both pipes are drained on threads of their own, so a chatty child cannot block on a full pipe.
        let output = PipeDrain(out), errors = PipeDrain(err)
        var hang = ""
        if exited.wait(timeout: .now() + .seconds(hangLimit)) == .timedOut {
            hang = "\n\(executable) was still running after \(hangLimit) s and was killed; its threads:\n" + threadStacks(process.processIdentifier)
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + .seconds(30))
        }
        let finished = output.finish(within: 30) && errors.finish(within: 30)
        if !hang.isEmpty || !finished {
            let why = finished ? hang : hang + "\n\(executable)'s output stayed open after it ended"
            return Result(status: hungStatus, standardOutput: output.text, standardError: errors.text + why)
        }
        return Result(
            status: process.terminationStatus, standardOutput: output.text, standardError: errors.text,
            diedOfSignal: process.terminationReason == .uncaughtSignal)
    }

    /// What each thread of process `pid` is doing, as gdb tells it (or why gdb could not tell).
    private static func threadStacks(_ pid: Int32) -> String {
        guard let gdb = which("gdb") else { return "(gdb is not installed)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gdb)
        process.arguments = ["-p", String(pid), "-batch", "-nx", "-ex", "set pagination off", "-ex", "thread apply all bt 25"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "(gdb did not start)" }
        let stacks = PipeDrain(out)
        _ = stacks.finish(within: 120)
        return stacks.text.split(separator: "\n").filter { $0.hasPrefix("Thread") || $0.hasPrefix("#") }.joined(separator: "\n")
    }

    /// Reads a pipe to its end on a thread of its own.
    private final class PipeDrain: Sendable {
        private let data = Mutex<Data>(Data())
        private let done = DispatchSemaphore(value: 0)

        init(_ pipe: Pipe) {
            let reader = Thread { [self] in
                let read = pipe.fileHandleForReading.readDataToEndOfFile()
                data.withLock { $0 = read }
                done.signal()
            }
            reader.start()
        }

        /// Whether the pipe reached its end within `seconds`.
        func finish(within seconds: Int) -> Bool {
            done.wait(timeout: .now() + .seconds(seconds)) == .success
        }

        /// What was read (nothing before ``finish(within:)`` succeeds).
        var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }
    }

    /// Starts `executable` with `arguments` without waiting for it: its standard output (or, with
    /// `capturingStandardError`, its standard error) is the returned pipe, the other goes nowhere.
    public static func launch(
        _ executable: String, _ arguments: [String], capturingStandardError: Bool = false, environment: [String: String]? = nil
    ) throws -> (process: Process, output: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = capturingStandardError ? FileHandle.nullDevice : output
        process.standardError = capturingStandardError ? output : FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// The full path of `tool` on PATH, or nil.
    public static func which(_ tool: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
