import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrwlrArchive

/// Batches of draws from several recordings in one call, against each draw read alone.
struct BatchReaderTests {
    /// `count` imported 2 s 16 kHz tones (300, 500, ... Hz); their ids.
    private func tones(_ count: Int, into archive: AudioArchive, in folder: TemporaryFolder) async throws -> [String] {
        var ids: [String] = []
        for k in 0..<count {
            let file = folder.path + "/t\(k).wav"
            try TestAudio.tone(file, seconds: 2, rate: 16_000, frequency: 300 + 200 * k)
            guard case .imported(let id, _) = try await archive.importFile(file) else { throw CodecError(.library, "\(file) was not imported") }
            ids.append(id)
        }
        return ids
    }

    @Test func aBatchHoldsExactlyWhatEachDrawReadsAlone() async throws {
        let folder = TemporaryFolder()
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        let ids = try await tones(3, into: archive, in: folder)
        let batches = BatchReader(archive: archive)
        var generator = SeededGenerator(state: 3)
        let draws = (0..<40).map { k in
            let start = Int64.random(in: 0..<(32_000 - 1_000), using: &generator)
            return BatchReader.Draw(id: ids[k % 3], range: start..<start + 1_000)
        }
        for format in [SampleFormat.int16, .int32, .float32] {
            let slot = 1_000 * format.bytesPerSample
            var buffer = [UInt8](repeating: 0xAB, count: draws.count * slot)
            let shape = try buffer.withUnsafeMutableBytes { raw in try batches.read(draws, as: format, workers: 3, into: raw) }
            #expect(shape.count == 40 && shape.frames == 1_000 && shape.channels == 1 && shape.sampleRate == 16_000 && shape.format == format)
            for (k, draw) in draws.enumerated() {
                var alone = [UInt8](repeating: 0, count: slot)
                try alone.withUnsafeMutableBytes { raw in try archive.reader(for: draw.id).extract(draw.range, as: format, into: raw) }
                #expect(Array(buffer[k * slot..<(k + 1) * slot]) == alone, "draw \(k) as \(format)")
            }
        }
        // A short draw: refused, or padded with zeros when asked.
        let short = [draws[0], BatchReader.Draw(id: ids[1], range: 0..<10)]
        #expect(throws: CodecError.self) { try batches.shape(of: short, as: .int16) }
        var padded = [UInt8](repeating: 0xAB, count: 2 * 2_000)
        try padded.withUnsafeMutableBytes { raw in _ = try batches.read(short, pad: true, as: .int16, into: raw) }
        #expect(padded[2_000 + 20..<4_000].allSatisfy { $0 == 0 })
        // Past the end, an unknown recording, a buffer of the wrong size: typed errors.
        for bad in [[BatchReader.Draw(id: ids[0], range: 31_990..<32_010)], [BatchReader.Draw(id: "77", range: 0..<10)]] {
            #expect(throws: CodecError.self) { try batches.shape(of: bad, as: .int16) }
        }
        var small = [UInt8](repeating: 0, count: 10)
        #expect(throws: CodecError.self) {
            try small.withUnsafeMutableBytes { raw in _ = try batches.read([draws[0]], as: .int16, into: raw) }
        }
    }

    /// A reader left open while the recording is deleted (a data loader's, a server's): its next
    /// read failed as corrupt data ("cannot read blob bytes"), sending its user to `verify` over
    /// an archive that is fine; it fails as a deletion now. A recording whose blob is damaged
    /// while it is still in the archive still reads as damaged.
    @Test func aReaderOfARecordingDeletedWhileOpenSaysSoAndDamageStaysDamage() async throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let archive = try AudioArchive.openOrCreate(storePath: store)
        let ids = try await tones(2, into: archive, in: folder)
        let deleted = try archive.reader(for: ids[0]), damaged = try archive.reader(for: ids[1])
        _ = try deleted.extract(0..<100, as: .int16)
        try archive.delete(ids[0])
        let gone = #expect(throws: CodecError.self) { try deleted.extract(16_000..<16_100, as: .int16) }
        #expect(gone?.code == .noInput && gone?.description.contains("deleted") == true, "\(String(describing: gone))")
        try FileManager.default.removeItem(atPath: store + "/\(ids[1])/audio_data_blob_array/c/0")
        let broken = #expect(throws: CodecError.self) { try damaged.extract(16_000..<16_100, as: .int16) }
        #expect(broken != nil && broken?.code != .noInput, "\(String(describing: broken))")
        #expect(throws: CodecError.self) { try deleted.extract(0..<100_000, as: .int16) }  // an argument error stays one
    }
}
