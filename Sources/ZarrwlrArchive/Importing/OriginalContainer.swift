import AudioInput
import CodecCore
import Foundation
import ZarrStore

/// The bytes of a WAV, RF64, W64 or AIFF source that are not its samples (the header and every
/// chunk in order: fmt, LIST/INFO, guan, bext, iXML, fact, cue, JUNK, padding, odd trailing
/// bytes), kept beside a lossless recording so that `export` recreates the source file byte for
/// byte: the bytes before the samples, the samples written back in the file's own sample
/// layout, the bytes after them. Kept only when that reconstruction of the import's own PCM has
/// the source's sha256 (checked at import), so export never promises what it cannot keep.
enum OriginalContainer {
    /// The array holding the non-audio bytes (uint8, zstd).
    static let arrayName = "source_container"
    /// Containers larger than this (apart from their audio) are not kept.
    static let maximumBytes: Int64 = 64 << 20

    /// Where the samples of `path` lie and how, for the containers this keeps; nil otherwise.
    static func locateAudio(_ path: String, bitsPerSample: Int, isFloat: Bool) -> (offset: Int64, layout: SampleLayout)? {
        let bytes = isFloat ? 4 : (bitsPerSample + 7) / 8
        guard (1...4).contains(bytes), !isFloat || bitsPerSample == 32, let chunk = AudioChunk.locate(path) else { return nil }
        return (chunk.offset, SampleLayout(bytesPerSample: bytes, bigEndian: chunk.bigEndian, unsignedBytes: bytes == 1 && !chunk.bigEndian, float: isFloat))
    }

    /// Checks, while the codec reads the source's samples, that those samples written back
    /// into the file's sample layout between its non-audio bytes give the file's sha256: the
    /// condition for keeping the container. It hashes the blocks of the first reader that
    /// delivers any (the codec's), so the source is decoded once.
    final class Check: PCMObserver {
        private struct Pass {
            var hash = MessageDigest(.sha256)
            var reader: ObjectIdentifier?
            var audioBytes: Int64 = 0
            var piece: [UInt8] = []
            /// Samples came that do not fit the layout (floats for integer samples, or the reverse).
            var unusable = false
        }

        let path: String
        let sha256: String
        let size: Int64
        let offset: Int64
        let layout: SampleLayout
        let channelCount: Int
        private let prefix: [UInt8]
        private let pass: ForkSafeMutex<Pass>

        /// A check of `path`, or why its container cannot be kept.
        static func make(_ path: String, sha256: String, size: Int64) -> Result<Check, Skipped> {
            guard let reader = try? PCMFileReader(path: path), reader.encoding != .lossy else { return .failure(.init("not PCM")) }
            // A-law and µ-law decode to 16-bit samples that are not the file's 8-bit codes.
            guard reader.encoding == .float || reader.encodingName.contains("PCM") else {
                return .failure(.init("its samples are coded as \(reader.encodingName), not stored as PCM"))
            }
            guard let (offset, layout) = locateAudio(path, bitsPerSample: reader.bitsPerSample, isFloat: reader.encoding == .float) else {
                return .failure(.init("not a little-endian WAV (RIFF, RF64), W64 or AIFF file with integer or 32-bit float samples"))
            }
            guard let prefix = try? read(path, 0..<offset) else { return .failure(.init("cannot read the file's header")) }
            return .success(Check(path: path, sha256: sha256, size: size, offset: offset, layout: layout, channelCount: reader.channelCount, prefix: prefix))
        }

        private init(path: String, sha256: String, size: Int64, offset: Int64, layout: SampleLayout, channelCount: Int, prefix: [UInt8]) {
            (self.path, self.sha256, self.size, self.offset, self.layout, self.channelCount, self.prefix) = (path, sha256, size, offset, layout, channelCount, prefix)
            let pass = Pass()
            pass.hash.update(prefix)
            self.pass = ForkSafeMutex(pass)
        }

        func observe(integers samples: UnsafeBufferPointer<Int32>, from reader: ObjectIdentifier) {
            add(samples, from: reader, fits: !layout.float)
        }

        func observe(floats samples: UnsafeBufferPointer<Float>, from reader: ObjectIdentifier) {
            let patterns = samples.map { Int32(bitPattern: $0.bitPattern) }
            patterns.withUnsafeBufferPointer { add($0, from: reader, fits: layout.float) }
        }

        private func add(_ samples: UnsafeBufferPointer<Int32>, from reader: ObjectIdentifier, fits: Bool) {
            pass.withLock { pass in
                if pass.reader == nil { pass.reader = reader }
                guard pass.reader == reader, !pass.unusable else { return }
                guard fits else { pass.unusable = true; return }
                // A piece at a time, as SampleLayout.hash does; written out because handing the
                // locked digest and the caller's samples to one call would join their isolation regions.
                for piece in SampleLayout.pieces(samples.count) {
                    pass.piece.removeAll(keepingCapacity: true)
                    layout.serialize(UnsafeBufferPointer(rebasing: samples[piece]), into: &pass.piece)
                    pass.hash.update(pass.piece)
                    pass.audioBytes += Int64(pass.piece.count)
                }
            }
        }

        /// Whether one reader handed out samples that fit the layout (a codec that copied its
        /// source, or read floats of integer samples, leaves the check undecided).
        var sawOnePass: Bool { pass.withLock { $0.reader != nil && !$0.unusable } }

        /// Reads the whole source itself (when the codec's reading left the check undecided).
        func readSource() throws(CodecError) {
            let reader = try PCMFileReader(path: path)
            // About 2^20 samples at a time, however many channels the file has.
            let frames = max(1, (1 << 20) / max(1, channelCount))
            while true {
                let pieces = try reader.readSegment(frames: frames, pieceFrames: frames, floatBitPatterns: layout.float)
                if pieces.isEmpty { break }
                for piece in pieces { piece.withUnsafeBufferPointer { add($0, from: ObjectIdentifier(reader), fits: true) } }
            }
        }

        /// The non-audio bytes and the facts to record, when the samples seen give the source.
        func finish() -> Result<(bytes: [UInt8], facts: JSONValue), Skipped> {
            pass.withLock { pass in
                let suffixStart = offset + pass.audioBytes
                guard suffixStart <= size, size - pass.audioBytes <= maximumBytes else { return .failure(.init("the container is too large or shorter than its audio")) }
                guard let suffix = try? read(path, suffixStart..<size) else { return .failure(.init("cannot read the file's trailing bytes")) }
                pass.hash.update(suffix)
                guard MessageDigest.hex(pass.hash.finalize()) == sha256 else {
                    return .failure(.init("the samples written back into the container do not give the source's sha256 (a sample layout this does not reproduce)"))
                }
                return .success((prefix + suffix, [
                    "array": .string(arrayName), "audio_offset": .int(offset), "audio_bytes": .int(pass.audioBytes),
                    "sample_layout": layout.json, "channels": .int(Int64(channelCount)),
                ]))
            }
        }
    }

    /// Keeps the container of the lossless recording just imported from `path` in `group`, when
    /// the import's PCM written back into it gives the source's `sha256`: with the samples that
    /// `observed` saw during the import, or from a read of its own when it saw none. Returns
    /// the facts to record under `source.container_bytes`, or why it was not kept.
    static func capture(_ path: String, sha256: String, size: Int64, observed: Check?, into group: ZarrGroup) -> Result<JSONValue, Skipped> {
        let check: Check
        if let observed, observed.sawOnePass {
            check = observed
        } else {
            switch Check.make(path, sha256: sha256, size: size) {
            case .success(let fresh): check = fresh
            case .failure(let skipped): return .failure(skipped)
            }
            do { try check.readSource() } catch { return .failure(.init("cannot keep the container: \(error)")) }
        }
        switch check.finish() {
        case .failure(let skipped): return .failure(skipped)
        case .success(let (bytes, facts)):
            do {
                let array = try group.createArray(arrayName, metadata: ArrayMetadata(
                    shape: [bytes.count], dataType: .uint8, chunkShape: [max(1, bytes.count)],
                    codecs: [.bytes(endian: nil), .zstd(level: 3, checksum: false)]))
                if !bytes.isEmpty { try array.write(bytes) }
                return .success(facts)
            } catch {
                return .failure(.init("cannot keep the container: \(error)"))
            }
        }
    }

    /// Why a container was not kept.
    struct Skipped: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Writes the source file of recording `group` back out: prefix, the samples of `reader` in
    /// the file's layout, suffix. The caller checks the sha256.
    static func export(_ facts: JSONValue, group: ZarrGroup, reader: any RecordingReader, to output: ByteOutput) throws(CodecError) -> Int64 {
        // Every number from the store is checked: no negative offset, no product that overflows.
        let (samples, overflowA) = reader.totalSamples.multipliedReportingOverflow(by: Int64(reader.channelCount))
        let (expectedBytes, overflowB) = samples.multipliedReportingOverflow(by: Int64(SampleLayout(facts["sample_layout"])?.bytesPerSample ?? 0))
        guard let name = facts["array"]?.stringValue, let offset = facts["audio_offset"]?.intValue, offset >= 0,
              let audioBytes = facts["audio_bytes"]?.intValue, let layout = SampleLayout(facts["sample_layout"]),
              facts["channels"]?.intValue == reader.channelCount, !overflowA, !overflowB, Int64(audioBytes) == expectedBytes
        else {
            throw CodecError(.corrupt, "the recording's container description is damaged or does not fit its samples", file: group.path)
        }
        let container: [UInt8]
        do { container = try group.array(name).read(UInt8.self) } catch {
            throw CodecError.store(error, "cannot read the source container", file: group.path)
        }
        guard offset <= container.count else { throw CodecError(.corrupt, "the source container is shorter than its header", file: group.path) }
        var written: Int64 = 0
        func write(_ bytes: [UInt8]) throws(CodecError) {
            var failure: CodecError?
            bytes.withUnsafeBytes { raw in
                do throws(CodecError) { try output.writeFile(raw) } catch { failure = error }
            }
            if let failure { throw failure }
            written += Int64(bytes.count)
        }
        try write(Array(container[..<offset]))
        var start: Int64 = 0
        var bytes: [UInt8] = []
        while start < reader.totalSamples {
            let end = min(reader.totalSamples, start + 65_536)
            let buffer = try reader.extract(start..<end, as: layout.float ? .float32 : .int32)
            let native: [Int32] = switch buffer.samples {
            case .int32(let values): values
            case .float32(let values): values.map { Int32(bitPattern: $0.bitPattern) }
            case .int16(let values): values.map(Int32.init)
            }
            bytes.removeAll(keepingCapacity: true)
            native.withUnsafeBufferPointer { layout.serialize($0, into: &bytes) }
            try write(bytes)
            start = end
        }
        try write(Array(container[offset...]))
        return written
    }

    /// Exactly the bytes of `range` of the file.
    private static func read(_ path: String, _ range: Range<Int64>) throws(CodecError) -> [UInt8] {
        let bytes = try SourceFile.bytes(path, range)
        guard bytes.count == range.count else { throw CodecError(.storage, "the file ended early", file: path) }
        return bytes
    }

}

extension SampleLayout {
    /// The layout as recorded in a recording's container description.
    var json: JSONValue {
        ["bytes_per_sample": .int(Int64(bytesPerSample)), "big_endian": .bool(bigEndian), "unsigned_8bit": .bool(unsignedBytes), "float": .bool(float)]
    }

    init?(_ json: JSONValue?) {
        guard let json, let bytes = json["bytes_per_sample"]?.intValue, (1...4).contains(bytes) else { return nil }
        self.init(bytesPerSample: bytes, bigEndian: json["big_endian"] == true, unsignedBytes: json["unsigned_8bit"] == true, float: json["float"] == true)
    }
}
