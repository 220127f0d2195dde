import Foundation
import Synchronization

/// Runs reference tools (python, flac, sox...) for tests and reports what they printed.
public enum ProcessRunner {
    /// The outcome of one run.
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
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

    /// Runs `executable` with `arguments` and waits, whatever its exit status (for tests of
    /// failures); one that cannot be started has status -1 and the reason on standard error.
    /// - Parameter directory: its working directory (default: this process's).
    public static func outcome(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, in directory: String? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return Result(status: -1, standardOutput: "", standardError: "cannot start \(executable): \(error)") }
        // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
        let errorData = Mutex<Data>(Data())
        let reader = Thread { errorData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while reader.isExecuting || !reader.isFinished { usleep(1000) }
        let result = Result(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
        return result
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
