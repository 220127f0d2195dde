import CodecCore
import ZarrStore

/// A self-check of the store layer on this machine: writes an audio-blob-like array (1-D uint8,
/// sharded, grown by appends) and an index-like array (uint64, [rows, 3], zstd) to a filesystem
/// store, reads random byte ranges and rows back, and compares them with what was written.
public struct StoreSelfCheck: Sendable {
    /// What the check did and found.
    public struct Report: Sendable, CustomStringConvertible {
        public var storePath: String
        public var blobBytes: Int
        public var rangesChecked: Int
        public var rowsChecked: Int
        public var mismatches: Int

        public var passed: Bool { mismatches == 0 }

        public var description: String {
            """
            store:     \(storePath)
            blob:      \(blobBytes) bytes in a sharded uint8 array, written by appends
            checked:   \(rangesChecked) random byte ranges, \(rowsChecked) index rows
            result:    \(passed ? "all equal to what was written" : "\(mismatches) MISMATCHES")
            """
        }
    }

    /// The folder the check writes its store into (it must not exist or be empty).
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// Runs the check.
    /// - Throws: ``ZarrError`` when the store cannot be written or read.
    public func run() throws(ZarrError) -> Report {
        let store = FilesystemStore(root: folder)
        let root = try ZarrGroup.create(in: store, attributes: ["purpose": "zarrwlr store self-check"])
        var blob = try root.createArray("blob", metadata: ArrayMetadata(
            shape: [0], dataType: .uint8, chunkShape: [1 << 20],
            codecs: [.shardingIndexed(ShardingSpec(chunkShape: [1 << 16], codecs: [.bytes(endian: nil)]))]))
        var generator = SplitMix64(seed: 0x5EED)
        var written: [UInt8] = []
        for _ in 0..<5 {
            let piece = (0..<700_001).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            try blob.append(piece)
            written += piece
        }
        var mismatches = 0
        let reopened = try ZarrArray.open(readOnly: store, at: "blob")
        let ranges = 200
        for _ in 0..<ranges {
            let start = Int(generator.next() % UInt64(written.count))
            let end = min(written.count, start + Int(generator.next() % 300_000))
            if try reopened.readBytes(start..<end) != Array(written[start..<end]) { mismatches += 1 }
        }
        let rows = 10_000
        let indexValues = (0..<rows * 3).map { _ in generator.next() }
        let index = try root.createArray("index", metadata: ArrayMetadata(
            shape: [rows, 3], dataType: .uint64, chunkShape: [4096, 3],
            codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: true)]))
        try index.write(indexValues)
        for _ in 0..<100 {
            let row = Int(generator.next() % UInt64(rows))
            let values = try index.read(UInt64.self, origin: [row, 0], shape: [1, 3])
            if values != Array(indexValues[row * 3..<row * 3 + 3]) { mismatches += 1 }
        }
        return Report(storePath: folder, blobBytes: written.count, rangesChecked: ranges, rowsChecked: 100, mismatches: mismatches)
    }
}
