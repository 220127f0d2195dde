import ArgumentParser
import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

/// What a recording costs in the store beyond its encoded stream: recordings of 1 s, 1 min and
/// 1 h (48 kHz, 16 bits, mono, the benchmark's field-like signal) imported through an archive,
/// once as a FLAC file copied 1:1 and once encoded from WAV. Counts the bytes of every file
/// of the recording (blob shard, index, zarr.json) and the disk space they take with their
/// folders (st_blocks, so it depends on the file system's block size).
struct StorageBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "storage", abstract: "Store overhead per recording for short and long recordings.")

    @Option(help: "Lengths in seconds, comma-separated.") var seconds = "1,60,3600"
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func run() async throws {
        let folder = NSTemporaryDirectory() + "zarrwlr-storage-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let archive = try AudioArchive.openOrCreate(storePath: folder + "/store.zarr")
        var lines = ["| recording | source | stream bytes | file bytes in the store | overhead | disk use (with folders) |", "|---|---|---:|---:|---:|---:|"]
        var results: [JSONValue] = []
        for length in seconds.split(separator: ",").compactMap({ Int($0) }) where length > 0 {
            let wav = folder + "/\(length).wav"
            try TestSignal.writeWAV(path: wav, sampleRate: 48_000, seconds: length)
            let flac = folder + "/\(length).flac"
            try runTool("/usr/bin/flac", ["-s", "-f", wav, "-o", flac])
            for (label, file) in [("FLAC file, copied 1:1", flac), ("WAV, encoded to FLAC", wav)] {
                log("\(length) s, \(label) ...")
                guard case .imported(let id, let report) = try await archive.importFile(file, allowDuplicate: true) else { continue }
                let (bytes, disk) = try Self.usage(of: archive.storeName + "/" + id)
                let overhead = bytes - report.blobBytes
                lines.append("| \(Self.duration(length)) | \(label) | \(report.blobBytes) | \(bytes) | \(overhead) B (\(String(format: "%.2f", 100 * Double(overhead) / Double(report.blobBytes))) %) | \(disk) |")
                results.append([
                    "seconds": .int(Int64(length)), "source": .string(label), "stream_bytes": .int(report.blobBytes),
                    "file_bytes": .int(bytes), "overhead_bytes": .int(overhead), "disk_bytes": .int(disk),
                ])
            }
        }
        print(lines.joined(separator: "\n"))
        if let json { try Data(JSONValue.array(results).serialized()).write(to: URL(fileURLWithPath: json)) }
    }

    /// The bytes of the files below `folder`, and the disk blocks of files and folders.
    static func usage(of folder: String) throws -> (bytes: Int64, disk: Int64) {
        var bytes: Int64 = 0, disk: Int64 = 0
        let paths = [folder] + (FileManager.default.subpaths(atPath: folder) ?? []).map { folder + "/" + $0 }
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            disk += Int64(info.st_blocks) * 512
            if info.st_mode & S_IFMT == S_IFREG { bytes += Int64(info.st_size) }
        }
        return (bytes, disk)
    }

    static func duration(_ seconds: Int) -> String {
        seconds >= 3600 ? "\(seconds / 3600) h" : seconds >= 60 ? "\(seconds / 60) min" : "\(seconds) s"
    }
}
