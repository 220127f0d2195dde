import ArgumentParser
import CodecCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zarrwlr-bench",
        abstract: "Speed and memory benchmarks; each prints a table (and writes JSON with --json).",
        subcommands: [ZarrReadBenchmark.self, FLACBenchmark.self, OpusBenchmark.self, OpusPreRollStudy.self, OpusRestartBenchmark.self, WavPackBenchmark.self, StorageBenchmark.self, CLIRangesBenchmark.self, S3Benchmark.self, ImportCoresBenchmark.self, ImportJobsBenchmark.self])
}

/// Runs a reference tool and waits; throws when it fails.
func runTool(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchmarkError("\(tool) failed") }
}

/// The release `aimport` beside this benchmark's binary (both built by `swift build -c release`).
func releaseAimport() throws -> String {
    let aimport = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/aimport"
    guard FileManager.default.isExecutableFile(atPath: aimport) else {
        throw ValidationError("\(aimport) is missing: build it first (swift build -c release)")
    }
    return aimport
}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Duration {
    var microseconds: Double {
        Double(components.seconds) * 1e6 + Double(components.attoseconds) / 1e12
    }

    var seconds: Double { microseconds / 1e6 }
}

/// Seconds taken by `body`.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let result = try body()
    return (result, (ContinuousClock.now - start).seconds)
}

/// Seconds taken by `body`.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let result = try await body()
    return (result, (ContinuousClock.now - start).seconds)
}

/// Peak resident memory of this process since the last ``PeakMemory/reset()`` (Linux VmHWM).
enum PeakMemory {
    /// Returns freed heap memory to the system, then resets the high-water mark (writing 5 to
    /// /proc/self/clear_refs), so the next reading covers only what runs after this call.
    static func reset() {
        #if canImport(Glibc)
        // malloc_trim is declared in <malloc.h>, which the Glibc module does not import.
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
        }
        #endif
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM in MiB, or nan where /proc is not available.
    static var mebibytes: Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .nan }
        return kib / 1024
    }
}

/// Median and percentiles of a sample.
extension Array where Element == Double {
    func percentile(_ p: Double) -> Double {
        let sorted = self.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    var median: Double { percentile(0.5) }
}

/// Writes a recording's blob to a plain file (the stream as users would have it), a shard at a time.
func exportBlob(_ blob: BlobReader, to path: String) throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? out.close() }
    var offset: Int64 = 0
    while offset < blob.length {
        let end = min(blob.length, offset + (8 << 20))
        try out.write(contentsOf: Data(try blob.read(offset..<end)))
        offset = end
    }
}
