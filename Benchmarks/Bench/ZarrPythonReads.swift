import Foundation
import ZarrStore

/// Times zarr-python reading the same byte ranges of the same arrays (see zarr_python_reads.py).
enum ZarrPythonReads {
    static func measure(python: String, store: String, layouts: [String], offsets: [Int], readBytes: Int) throws -> [ResultRow] {
        let request: JSONValue = [
            "store": .string(store), "layouts": .array(layouts.map(JSONValue.string)),
            "offsets": .array(offsets.map { .int(Int64($0)) }), "read_bytes": .int(Int64(readBytes)),
        ]
        let requestPath = NSTemporaryDirectory() + "zarrwlr-bench-request-\(UUID().uuidString).json"
        try Data(request.serialized()).write(to: URL(fileURLWithPath: requestPath))
        defer { try? FileManager.default.removeItem(atPath: requestPath) }

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("zarr_python_reads.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, requestPath]
        let output = Pipe()
        process.standardOutput = output
        log("timing zarr-python (\(python)) ...")
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchmarkError("zarr-python timing failed (exit \(process.terminationStatus))") }
        let result = try JSONValue(parsing: [UInt8](data))
        return layouts.map { layout in
            let micros = result[layout]?.arrayValue?.compactMap { value -> Double? in
                if case .double(let d) = value { return d }
                return value.intValue.map(Double.init)
            } ?? []
            return ResultRow(layout: layout, implementation: "zarr-python " + (result["version"]?.stringValue ?? "?"), micros: micros, bytes: readBytes)
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
