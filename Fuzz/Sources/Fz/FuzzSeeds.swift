import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

/// Seed inputs for each target, made from the repository's fixtures (Tests/Fixtures) and from
/// the library itself (a real shard, real zarr.json): `FUZZ_MAKE_SEEDS=DIR` writes them.
enum FuzzSeeds {
    /// A small AudioMoth triggered recording (T.WAV): the firmware's 488-byte header with a
    /// comment that states a trigger, audio to the first 512-byte boundary, a marker for 64
    /// blocks of silence, then 256 samples of audio.
    static func audioMothTriggered() -> [UInt8] {
        func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let comment = Array("Recorded at 00:00:00 16/04/2025 (UTC) by AudioMoth 24F319055FDF2D1D at medium gain while battery was 4.2V and temperature was 20.1C. Amplitude threshold was 0.5% with 1s minimum trigger duration.".utf8)
        let info = Array("INFOICMT".utf8) + le(384, 4) + comment + [UInt8](repeating: 0, count: 384 - comment.count)
            + Array("IART".utf8) + le(32, 4) + [UInt8](repeating: 0x41, count: 32)
        let marker = (0..<32).flatMap { le((64 >> $0) & 1 == 1 ? 1 : -1, 2) } + [UInt8](repeating: 0, count: 448)
        let data = (0..<12).flatMap { le($0 * 100, 2) } + marker + (0..<256).flatMap { le($0 * 37 - 4000, 2) }
        let body = Array("fmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2) + le(48_000, 4) + le(96_000, 4) + le(2, 2) + le(16, 2)
            + Array("LIST".utf8) + le(info.count, 4) + info + Array("data".utf8) + le(data.count, 4) + data
        return Array("RIFF".utf8) + le(4 + body.count, 4) + Array("WAVE".utf8) + body
    }

    static func write(target: String, into folder: String, repository: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fixtures = repository + "/Tests/Fixtures/"
        func fixture(_ name: String, prefix: Int = .max) -> [UInt8] {
            Array(((try? Data(contentsOf: URL(fileURLWithPath: fixtures + name))) ?? Data()).prefix(prefix))
        }
        var seeds: [[UInt8]] = []
        let flacs = ["bird_sonicpi_misc_crow.flac", "flac_sonicpi_misc_burp_24bit.flac", "multich_pyflac_surround_6ch.flac"]
        let wavs = ["20250416_211500.WAV", "guano_before_data_384k.wav", "edge_soundevent_rf64_pcm_16.rf64", "audiomoth_pykanto_20210502_040000.WAV",
                    "edge_scipy_test-44100Hz-2ch-32bit-float-be.wav", "edge_scipy_test-44100Hz-le-1ch-4bytes-incomplete-chunk.wav"]
        let opus = fixture("birds_10s_48k.opus")
        switch target {
        case "flac-metadata":
            seeds = flacs.map { fixture($0, prefix: 8192) }
        case "flac-frame-header":
            for name in flacs {
                let bytes = fixture(name, prefix: 200_000)
                if let chain = try? FLACChain.firstFrame(bytes) { seeds.append(Array(bytes[chain..<min(bytes.count, chain + 24)])) }
            }
        case "ogg-page":
            seeds = [Array(opus.prefix(8192)), Array(opus.dropFirst(opus.count / 2).prefix(8192))]
        case "opus-head":
            seeds = [Array(opus.dropFirst(28).prefix(19)), Array(opus.dropFirst(28).prefix(19)) + [1, 1, 0]]
        case "opus-packet":
            seeds = stride(from: 4096, to: min(opus.count, 20_000), by: 3000).map { [0] + Array(opus[$0..<min(opus.count, $0 + 300)]) }
        case "riff-chunks":
            // Chunks kept by FLAC (foreign metadata) and WavPack (its RIFF header and trailer) too.
            let wv = (try? Data(contentsOf: URL(fileURLWithPath: repository + "/Fuzz/Seeds/small.wv"))) ?? Data()
            seeds = wavs.map { fixture($0, prefix: 16_384) } + [audioMothTriggered(), Array(wv.prefix(16_384)), fixture("bird_sonicpi_misc_crow.flac", prefix: 16_384)]
        case "audiomoth-comment":
            seeds = [
                "Recorded at 21:15:00 16/04/2025 (UTC+1) by AudioMoth 249C600363FA5E80 at medium-high gain while battery was 3.6V and temperature was 8.5C. Amplitude threshold was 0.5% with 1s minimum trigger duration. Recording stopped due to low voltage.",
                "Recorded at 23:59:59 31/12/2024 (UTC-3:30) during deployment 0123456789ABCDEF using external microphone at low gain while battery was less than 2.5V and temperature was -3.5C. Frequency trigger (48.0kHz and window length of 16 samples) threshold was 0.05% with 1s minimum trigger duration. Band-pass filter with frequencies of 1.0kHz and 8.0kHz applied.",
                "Recorded at 05:06:07 08/09/2018 by AudioMoth 0123456789ABCDEF at gain setting 3 while battery state was < 3.6V",
            ].map { Array($0.utf8) }
        case "guano":
            seeds = [Array("GUANO|Version: 1.0\nTimestamp: 2025-04-16T00:00:00Z\nMake: Open Acoustic Devices\nLoc Position: 51.7520 -1.3350\nNABAT|Grts Id: 94086\n".utf8)]
        case "bext":
            var bext = [UInt8](repeating: 0, count: 602)
            for (k, byte) in Array("dawn chorus".utf8).enumerated() { bext[k] = byte }
            for (k, byte) in Array("2025-04-1604:30:00".utf8).enumerated() { bext[320 + k] = byte }
            seeds = [bext]
        case "wamd":
            // Fields: a 16-bit id and a 32-bit length, little-endian, then the value.
            let fields: [(UInt16, [UInt8])] = [
                (0x00, [1, 0]), (0x01, Array("SM4BAT-FS".utf8)), (0x02, Array("S4U01234".utf8)), (0x05, Array("2019-06-01 21:30:00-05:00".utf8)),
                (0x06, Array("WGS84, 40.7128, N, 74.0060, W, 10".utf8)), (0x0F, [10, 0]), (0xFFFF, [0]),
            ]
            seeds = [fields.flatMap { id, value in [UInt8(id & 0xFF), UInt8(id >> 8)] + withUnsafeBytes(of: UInt32(value.count).littleEndian) { Array($0) } + value }]
        case "zarr-metadata":
            let store = MemoryStore()
            let group = try ZarrGroup.create(in: store)
            _ = try group.createArray("blob", metadata: ArrayMetadata(
                shape: [100], dataType: .uint8, chunkShape: [64],
                codecs: [.shardingIndexed(ShardingSpec(chunkShape: [16], codecs: [.bytes(endian: nil)]))]))
            _ = try group.createArray("index", metadata: ArrayMetadata(
                shape: [10, 3], dataType: .uint64, chunkShape: [65_536, 3], codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)],
                attributes: ["columns": ["a", "b", "c"]], dimensionNames: ["frame", "field"]))
            seeds = try ["blob/zarr.json", "index/zarr.json", "zarr.json"].compactMap { try store.get($0) }
        case "zarr-shard":
            let store = MemoryStore()
            var array = try ZarrGroup.create(in: store).createArray("blob", metadata: ArrayMetadata(
                shape: [4096], dataType: .uint8, chunkShape: [4096],
                codecs: [.shardingIndexed(ShardingSpec(chunkShape: [512], codecs: [.bytes(endian: nil)]))]))
            try array.write((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
            _ = array
            seeds = try [store.get("blob/c/0")].compactMap { $0 }
        case "ranges-file":
            seeds = [Array("0 48000\n# comment\n96000\t144000\n1,2\n".utf8)]
        case "selection-table":
            seeds = [
                Array("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tFile Offset (s)\tSpecies\tNotes\n1\tWaveform 1\t1\t1.5\t2.5\t1000\t8000\ta.WAV\t1.5\tTurdus merula\tloud\r\n1\tSpectrogram 1\t1\t1.5\t2.5\t1000\t8000\ta.WAV\t1.5\tTurdus merula\tloud\n".utf8),
                [0xEF, 0xBB, 0xBF] + Array("Start (s),End (s),Scientific name,Common name,Confidence,File\n0.0,3.0,Parus major,\"Great tit, \"\"big\"\"\",0.8123,/data/b.wav\nBegin Date,x\r2025/04/16,04:30:01.250\n".utf8),
            ]
        case "wavpack-block", "pipeline-wavpack":
            let wv = repository + "/Fuzz/Seeds/small.wv"
            seeds = [Array(((try? Data(contentsOf: URL(fileURLWithPath: wv))) ?? Data()).prefix(target == "wavpack-block" ? 4096 : 65_536))]
        case "pipeline-flac":
            seeds = [fixture("bird_sonicpi_misc_crow.flac")]
        case "pipeline-opus":
            seeds = [Array(opus.prefix(12_000))]
        case "store":
            seeds = try storeSeeds(fixtures: fixtures)
        case "c-abi-handles":
            seeds = [Array(0..<64), [3, 7, 1, 0, 5, 2, 9, 4, 4, 1, 1, 0, 0, 6, 2, 8]]
        default:
            seeds = []
        }
        for (k, seed) in seeds.enumerated() where !seed.isEmpty {
            FileManager.default.createFile(atPath: folder + "/seed-\(k)", contents: Data(seed))
        }
    }
}

extension FuzzSeeds {
    /// Archives made by importing fixtures (FLAC copied 1:1 with a start time, and a WAV as
    /// FLAC), as ``StoreImage``s.
    static func storeSeeds(fixtures: String) throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for (name, start) in [("bird_sonicpi_misc_crow.flac", "2025-04-16T05:00:00Z"), ("20250416_211500.WAV", nil)] {
            let folder = NSTemporaryDirectory() + "zarrwlr-fuzz-seed-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let archive = try AudioArchive.openOrCreate(storePath: folder)
            let done = DispatchSemaphore(value: 0)
            Task {
                defer { done.signal() }
                _ = try? await archive.importFile(fixtures + name, startTime: start)
            }
            done.wait()
            seeds.append(StoreImage.encode(StoreImage.files(below: folder)))
        }
        return seeds
    }
}

/// Finding the first frame of a FLAC file for the frame-header seeds.
enum FLACChain {
    static func firstFrame(_ bytes: [UInt8]) throws -> Int {
        var offset = 4
        while offset + 4 <= bytes.count {
            let last = bytes[offset] & 0x80 != 0
            offset += 4 + (Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
            if last { return offset }
        }
        throw CocoaError(.fileReadCorruptFile)
    }
}
