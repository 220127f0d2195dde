import CodecCore
import Foundation
import ZarrStore
@testable import ZarrwlrArchive
@testable import CodecFLAC
@testable import CodecOpus
@testable import CodecWavPack

/// One fuzz target per parser, chosen by the environment variable FUZZ_TARGET. Each feeds the
/// input to the parser and throws away the result: a crash, a trap or a sanitizer report is the
/// only failure. Typed errors and rejections are the expected outcome for most inputs.
enum FuzzTargets {
    static let names = [
        "flac-metadata", "flac-frame-header", "ogg-page", "opus-head", "opus-packet", "riff-chunks", "audiomoth-comment",
        "guano", "bext", "wamd", "zarr-metadata", "zarr-shard", "ranges-file", "selection-table", "wavpack-block", "pipeline-flac", "pipeline-opus", "pipeline-wavpack", "store", "c-abi-handles",
    ]

    static let target = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    static let scratch = NSTemporaryDirectory() + "zarrwlr-fuzz-\(getpid())"

    static func run(_ bytes: [UInt8]) {
        switch target {
        case "flac-metadata":
            _ = try? FLAC.MetadataChain { offset, count throws(CodecError) in
                guard offset >= 0, offset < bytes.count else { return [] }
                return Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
            }
        case "flac-frame-header":
            bytes.withUnsafeBytes { raw in
                _ = FLAC.FrameHeader.parse(raw, sampleNumbersWithoutStrategyBit: false)
                _ = FLAC.FrameHeader.parse(raw, sampleNumbersWithoutStrategyBit: true)
            }
        case "ogg-page":
            bytes.withUnsafeBytes { raw in _ = Ogg.Page.parse(raw, at: 0) }
            var walker = Ogg.PacketWalker(bytes: bytes, baseOffset: 0)
            while true {
                guard let packet = try? walker.next(), packet != nil else { break }
            }
        case "opus-head":
            _ = try? Opus.Head(parsing: bytes)
        case "opus-packet":
            let streams = Int(bytes.first ?? 1) % 8 + 1
            let packet = bytes.dropFirst()
            _ = Opus.packetDuration(packet)
            _ = Opus.streams(of: packet, count: streams)
            _ = Opus.celtFrameHeaders(packet, streamCount: streams)
            _ = Opus.streamUsesCELTOnly(packet, streamCount: streams)
        case "riff-chunks":
            let path = file(bytes, name: "input.wav")
            let chunks = RIFFChunks(path: path)
            _ = chunks.infoEntries()
            _ = chunks.payload("guan").flatMap(GUANO.init)
            _ = chunks.payload("bext").flatMap(BroadcastExtension.init)
            _ = chunks.payload("wamd").flatMap(WildlifeAcousticsMetadata.init)
            _ = RecordingMetadata.read(from: path, user: nil, startTime: nil)
            _ = RecordingMetadata.truncationWarning(for: path)
            if let triggered = try? AudioMothExpansion.detect(path) {
                let folder = NSTemporaryDirectory() + "fz-expansion-\(getpid())"
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                _ = try? AudioMothExpansion.expand(path, triggered, into: folder)
                try? FileManager.default.removeItem(atPath: folder)
            }
        case "audiomoth-comment":
            _ = AudioMothComment(String(decoding: bytes, as: UTF8.self))?.json
        case "guano":
            _ = GUANO(bytes)?.json
        case "bext":
            _ = BroadcastExtension(bytes)?.json
        case "wamd":
            let wamd = WildlifeAcousticsMetadata(bytes)
            _ = wamd?.json
            _ = wamd?.startTime
        case "zarr-metadata":
            if let json = try? JSONValue(parsing: bytes) {
                _ = try? ArrayMetadata(json: json)
                _ = json.serialized()
            }
        case "zarr-shard":
            shard(bytes)
        case "ranges-file":
            if let input = try? RereadableFile(file(bytes, name: "ranges.txt"), what: "ranges"), let ranges = try? RangesFile(input) {
                while (try? ranges.next()) != nil {}
            }
        case "selection-table":
            if let table = try? SelectionTable.open(file(bytes, name: "table.txt")) {
                try? table.forEachRow { _ in }
            }
        case "wavpack-block":
            bytes.withUnsafeBytes { raw in
                if case .success(let header) = WavPack.BlockHeader.parse(raw) { _ = WavPack.BlockVerification.verify(raw, header: header) }
                _ = WavPack.BlockParser().parse(raw, at: 0)
            }
            _ = try? WavPack.FrameDecoder(frames: bytes).decode(64)
        case "pipeline-wavpack":
            pipeline(bytes, backend: WavPackBackend())
        case "pipeline-flac":
            pipeline(bytes, backend: FLACBackend())
        case "pipeline-opus":
            pipeline(bytes, backend: OpusBackend())
        case "store":
            store(bytes)
        case "c-abi-handles":
            HandleSchedule.run(bytes)
        default:
            FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(names.joined(separator: " "))\n".utf8))
            exit(64)
        }
    }

    /// `bytes` as a file in the scratch folder.
    static func file(_ bytes: [UInt8], name: String) -> String {
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = scratch + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// `bytes` as the only shard of a sharded uint8 array (the blob layout), read back in pieces.
    static func shard(_ bytes: [UInt8]) {
        let store = MemoryStore()
        guard let array = try? ZarrGroup.create(in: store).createArray("blob", metadata: ArrayMetadata(
            shape: [4096], dataType: .uint8, chunkShape: [4096],
            codecs: [.shardingIndexed(ShardingSpec(chunkShape: [512], codecs: [.bytes(endian: nil)]))]))
        else { return }
        try? store.set(array.chunkKey([0]), bytes)
        for range in [0..<4096, 100..<700, 4000..<4096] { _ = try? array.readBytes(range) }
    }

    /// The whole path a file takes: import into a memory store (the index built by the
    /// parallel indexer), then extraction of ranges the input's last bytes choose.
    static func pipeline(_ bytes: [UInt8], backend: some CodecBackend) {
        let path = file(bytes, name: "input.bin")
        let done = DispatchSemaphore(value: 0)
        Task {
            defer { done.signal() }
            guard let group = try? ZarrGroup.create(in: MemoryStore(), at: "0") else { return }
            var options = ImportOptions()
            options.workers = 2
            guard (try? await backend.importToZarr(from: ImportSource.checksummed(path), into: group, options: options)) != nil,
                  let reader = try? backend.openRecording(group), reader.totalSamples > 0
            else { return }
            let total = reader.totalSamples
            var seed = bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            for _ in 0..<4 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let start = Int64(seed >> 33) % total
                let length = Int64((seed >> 7) & 0xFFFF) % (total - start) + 1
                _ = try? reader.extract(start..<start + length, as: .int32)
            }
            _ = try? await backend.storedIndexMatches(in: group, options: IndexOptions())
        }
        done.wait()
    }

    /// `bytes` as a whole archive in a folder (``StoreImage``), then everything a user does with
    /// one found on a disk: open, list, read each recording (facts, ranges, a wall-clock span),
    /// verify and export it. Every damage must be a typed error.
    static func store(_ bytes: [UInt8]) {
        let folder = scratch + "/store"
        try? FileManager.default.removeItem(atPath: folder)
        for (key, value) in StoreImage.decode(bytes) {
            let path = folder + "/" + key
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(value))
        }
        guard let archive = try? AudioArchive.open(storePath: folder) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            defer { done.signal() }
            for summary in (try? archive.recordings()) ?? [] {
                _ = summary.jsonObject.serialized()
                _ = summary.recordingDescription
                if let reader = try? archive.reader(for: summary.id), reader.totalSamples > 0 {
                    let total = reader.totalSamples
                    for range in [0..<min(total, 4096), max(0, total - 100)..<total, total / 3..<min(total, total / 3 + 1)] where !range.isEmpty {
                        _ = try? reader.extract(range, as: .int32)
                        _ = try? reader.extract(range, as: .float32)
                    }
                }
                _ = await archive.verify(summary.id)
                _ = try? archive.export(summary.id, to: scratch + "/export.bin")
                if let start = summary.startInstant {
                    _ = try? archive.extract(at: start, duration: 0.01, fillGaps: true, as: .int16)
                }
            }
            _ = try? archive.recordings(since: nil, until: nil)
            _ = archive.removeStaleStaging()
        }
        done.wait()
    }
}
