import ArgumentParser
import Foundation
import ZarrStore

/// Reading 1 MiB byte ranges from a large 1-D uint8 array (the shape of an audio blob), sharded
/// and unsharded, in-process, next to zarr-python reading the same ranges of the same store in
/// the same run.
struct ZarrReadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zarr-read", abstract: "Byte-range reads from a uint8 Zarr array: zarrwlr vs zarr-python.")

    @Option(help: "Array size in MiB.") var sizeMiB = 300
    @Option(help: "Bytes per read.") var readBytes = 1 << 20
    @Option(help: "Timed reads per layout and implementation.") var reads = 200
    @Option(help: "Folder for the benchmark store (default: a temporary folder, removed afterwards).") var dir: String?
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Python with zarr-python 3 (default: $ZARRWLR_PYTHON or .venv/bin/python).") var python: String?
    @Flag(help: "Skip the zarr-python comparison.") var noPython = false

    func run() throws {
        let folder = dir ?? NSTemporaryDirectory() + "zarrwlr-bench-" + UUID().uuidString
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let size = sizeMiB << 20
        let store = FilesystemStore(root: folder)
        let root = try ZarrGroup.create(in: store, existingOK: true)
        let layouts: [(name: String, chunk: Int, codecs: [CodecSpec])] = [
            ("unsharded", 1 << 20, [.bytes(endian: nil)]),
            ("sharded", 32 << 20, [.shardingIndexed(ShardingSpec(chunkShape: [1 << 20], codecs: [.bytes(endian: nil)]))]),
        ]
        for layout in layouts where (try? ZarrArray.open(readOnly: store, at: layout.name))?.shape != [size] {
            try? root.deleteChild(layout.name)
            log("writing \(sizeMiB) MiB \(layout.name) array ...")
            try BlobWriter.fill(root: root, name: layout.name, size: size, chunk: layout.chunk, codecs: layout.codecs)
        }

        var generator = SystemRandomNumberGenerator()
        let offsets = (0..<reads).map { _ in Int.random(in: 0...(size - readBytes), using: &generator) }
        var rows: [ResultRow] = []
        for layout in layouts {
            let array = try ZarrArray.open(readOnly: store, at: layout.name)
            for offset in offsets.prefix(10) { _ = try array.readBytes(offset..<offset + readBytes) }  // warm-up
            var micros: [Double] = []
            for offset in offsets {
                let start = ContinuousClock.now
                let bytes = try array.readBytes(offset..<offset + readBytes)
                micros.append((ContinuousClock.now - start).microseconds)
                guard bytes.count == readBytes else { throw ValidationError("short read at \(offset)") }
            }
            rows.append(ResultRow(layout: layout.name, implementation: "zarrwlr", micros: micros, bytes: readBytes))
        }
        if !noPython {
            let interpreter = python ?? ProcessInfo.processInfo.environment["ZARRWLR_PYTHON"] ?? ".venv/bin/python"
            rows += try ZarrPythonReads.measure(
                python: interpreter, store: folder, layouts: layouts.map(\.name), offsets: offsets, readBytes: readBytes)
        }
        print(ResultRow.table(rows, sizeMiB: sizeMiB, reads: reads))
        if let json {
            let document = ResultRow.json(rows, sizeMiB: sizeMiB, reads: reads, readBytes: readBytes)
            try Data(document.serialized()).write(to: URL(fileURLWithPath: json))
        }
    }
}

