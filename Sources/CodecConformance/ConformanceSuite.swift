import AudioInput
import CodecCore
import Foundation
import ZarrStore

/// The checks every codec backend must pass, the same way for every codec (this project's and
/// any plugin's): run it from the backend's own tests with a source file and a reference decode
/// of it made by a tool nobody on the backend wrote.
///
/// Each check returns the failures it found as readable lines (empty when the backend conforms),
/// so a test can assert on them with its own framework.
public struct ConformanceSuite<Backend: CodecBackend>: Sendable {
    /// What the backend is checked against.
    public struct Reference: Sendable {
        /// The reference decode of the whole source, interleaved, in `format`.
        public let samples: PCMBuffer.Samples
        public let format: SampleFormat
        /// The largest difference allowed per sample, in units of `format` (0: bit-exact).
        public let tolerance: Double

        public init(samples: PCMBuffer.Samples, format: SampleFormat, tolerance: Double = 0) {
            self.samples = samples
            self.format = format
            self.tolerance = tolerance
        }
    }

    public let backend: Backend
    public let source: String
    public let reference: Reference

    public init(_ backend: Backend, source: String, reference: Reference) {
        self.backend = backend
        self.source = source
        self.reference = reference
    }

    /// Every check; the failures of all.
    public func run() async throws -> [String] {
        var failures: [String] = []
        failures += try await rangesEqualTheReference()
        failures += try await descriptionNamesTheRecording()
        failures += try await bufferExtractionEqualsExtraction()
        failures += try await runsEqualExtraction()
        failures += try await parallelIndexEqualsSequential()
        failures += try await rebuiltIndexEqualsStored()
        failures += try await damageGivesTypedErrorsNeverWrongSamples()
        return failures
    }

    /// Imports the source into a fresh recording group of an in-memory store.
    public func importSource() async throws -> (ZarrGroup, ImportReport) {
        let store = MemoryStore()
        let group = try ZarrGroup.create(in: store, at: "0")
        let report = try await backend.importToZarr(from: try ImportSource.checksummed(source), into: group, options: ImportOptions())
        return (try ZarrGroup.open(in: store, at: "0"), report)
    }

    /// The recording's attributes parse as a ``RecordingDescription`` that agrees with the
    /// opened recording and the import report, names the source's size and sha256, and lists
    /// arrays that exist.
    public func descriptionNamesTheRecording() async throws -> [String] {
        let (group, report) = try await importSource()
        let reader = try backend.openRecording(group)
        let description = try RecordingDescription(attributes: group.attributes[RecordingLayout.attributeKey]?.objectValue ?? [:])
        let (size, sha256) = try SourceFile.sizeAndSHA256(source)
        var failures: [String] = []
        if description.codec != Backend.codecID { failures.append("the description names codec \(description.codec), not \(Backend.codecID)") }
        if description.totalSamples != reader.totalSamples || report.totalSamples != reader.totalSamples {
            failures.append("total samples: description \(description.totalSamples), report \(report.totalSamples), reader \(reader.totalSamples)")
        }
        if description.sampleRate != reader.sampleRate || description.channelCount != reader.channelCount {
            failures.append("rate/channels: description \(description.sampleRate)/\(description.channelCount), reader \(reader.sampleRate)/\(reader.channelCount)")
        }
        if description.sourceSHA256 != sha256 || description.source[RecordingDescription.Key.sourceSize]?.intValue != Int(size) {
            failures.append("the description does not name the source's size and sha256")
        }
        if description.copiedVerbatim != report.copiedVerbatim { failures.append("copied_verbatim disagrees with the report") }
        for (role, name) in description.arrays where (try? group.array(name)) == nil {
            failures.append("array '\(name)' (\(role)) is listed but missing")
        }
        if description.arrays["blob"] == nil || description.arrays["index"] == nil { failures.append("the description lists no blob or index array") }
        return failures
    }

    /// First, last, whole and random ranges (frame edges included by chance) equal the reference.
    public func rangesEqualTheReference(randomRanges: Int = 40) async throws -> [String] {
        let (group, _) = try await importSource()
        let reader = try backend.openRecording(group)
        let channels = reader.channelCount
        let total = reader.totalSamples
        guard Int64(Self.count(reference.samples)) == total * Int64(channels) else {
            return ["the recording has \(total) samples x \(channels) channels, the reference \(Self.count(reference.samples)) values"]
        }
        var random = SplitMix64(seed: UInt64(total))
        var ranges: [Range<Int64>] = [0..<total, 0..<1, (total - 1)..<total, 0..<min(total, 4096), max(0, total - 4096)..<total]
        for _ in 0..<randomRanges {
            let start = Int64(random.next() % UInt64(total))
            ranges.append(start..<min(total, start + 1 + Int64(random.next() % 100_000)))
        }
        var failures: [String] = []
        for range in ranges {
            let extracted = try reader.extract(range, as: reference.format)
            if let worst = Self.difference(extracted.samples, reference.samples, from: Int(range.lowerBound) * channels), worst > reference.tolerance {
                failures.append("samples \(range): differ from the reference by up to \(worst)")
            }
        }
        return failures
    }

    /// `extract(_:as:into:)` writes exactly the bytes `extract(_:as:)` returns, in every sample
    /// format and into a buffer that is not aligned for the sample type, and refuses a buffer one
    /// sample too small.
    public func bufferExtractionEqualsExtraction() async throws -> [String] {
        let (group, _) = try await importSource()
        let reader = try backend.openRecording(group)
        let total = reader.totalSamples
        var random = SplitMix64(seed: UInt64(total) &+ 7)
        var ranges: [Range<Int64>] = [0..<total, 0..<1, (total - 1)..<total, 5..<5]
        for _ in 0..<8 {
            let start = Int64(random.next() % UInt64(total))
            ranges.append(start..<min(total, start + 1 + Int64(random.next() % 50_000)))
        }
        var failures: [String] = []
        for format in SampleFormat.allCases {
            for range in ranges where range.upperBound <= total {
                let expected = try reader.extract(range, as: format).withUnsafeBytes { Array($0) }
                // One byte in, so the samples start unaligned for their type, as a C caller may give them.
                let samples = 1..<1 + expected.count
                var written = [UInt8](repeating: 0xA5, count: expected.count + 9)
                try written.withUnsafeMutableBytes { buffer in
                    try reader.extract(range, as: format, into: UnsafeMutableRawBufferPointer(rebasing: buffer[samples]))
                }
                if Array(written[samples]) != expected { failures.append("\(format) \(range): the buffer differs from extract(_:as:)") }
                if written[0] != 0xA5 || written[samples.upperBound...].contains(where: { $0 != 0xA5 }) {
                    failures.append("\(format) \(range): bytes written outside the samples")
                }
                guard expected.count > 0 else { continue }
                var short = [UInt8](repeating: 0, count: expected.count - format.bytesPerSample)
                do {
                    try short.withUnsafeMutableBytes { try reader.extract(range, as: format, into: $0) }
                    failures.append("\(format) \(range): a buffer one sample short was accepted")
                } catch let error as CodecError where error.code == .invalidArgument {
                } catch {
                    failures.append("\(format) \(range): a buffer one sample short gave \(error), not an invalid-argument error")
                }
            }
        }
        return failures
    }

    /// `extract(_:as:runFrames:_:)` hands out runs of exactly `runFrames` frames (the last one
    /// shorter or equal) that together are, byte for byte, what `extract(_:as:)` returns.
    public func runsEqualExtraction() async throws -> [String] {
        let (group, _) = try await importSource()
        let reader = try backend.openRecording(group)
        let total = reader.totalSamples
        var random = SplitMix64(seed: UInt64(total) &+ 11)
        let start = Int64(random.next() % UInt64(total))
        let cases: [(Range<Int64>, Int)] = [
            (0..<total, 4_103), (0..<total, 65_536), (start..<min(total, start + 20_000), 977), (0..<min(total, 300), 1), (5..<5, 64),
        ]
        var failures: [String] = []
        for format in SampleFormat.allCases {
            for (range, runFrames) in cases where range.upperBound <= total {
                var joined: [UInt8] = [], frames: [Int] = []
                try reader.extract(range, as: format, runFrames: runFrames) { run in
                    joined += run.withUnsafeBytes { Array($0) }
                    frames.append(run.frameCount)
                }
                if joined != (try reader.extract(range, as: format).withUnsafeBytes { Array($0) }) {
                    failures.append("\(format) \(range) in runs of \(runFrames): the runs differ from extract(_:as:)")
                }
                if !frames.dropLast().allSatisfy({ $0 == runFrames }) || (frames.last ?? 0) > runFrames || frames.reduce(0, +) != range.count {
                    failures.append("\(format) \(range) in runs of \(runFrames): runs of \(frames.prefix(5)) frames")
                }
            }
        }
        return failures
    }

    /// The index built in parallel over ranges as small as 1 byte, with 1-8 workers, equals the
    /// stored (sequentially usable) index. Ranges under 64 bytes are tried on blobs up to
    /// `tinyRangeLimit` bytes only (every candidate then spans many ranges: slow, not harder).
    public func parallelIndexEqualsSequential(
        chunkSizes: [Int] = [1, 7, 97, 4096], workers: [Int] = [1, 2, 3, 8], tinyRangeLimit: Int = 8 << 10
    ) async throws -> [String] {
        let (group, _) = try await importSource()
        var failures: [String] = []
        let blob = try RecordingLayout.openBlob(in: group, codec: Backend.codecID)
        let bytes = try blob.read(0..<blob.length)
        for chunk in chunkSizes where chunk >= 1 && (chunk >= 64 || bytes.count <= tinyRangeLimit) {
            // The same recording with its blob stored in inner chunks of `chunk` bytes, so the
            // indexer's ranges are cut that finely.
            let store = MemoryStore()
            var fine = try ZarrGroup.create(in: store, at: "0")
            try Self.copyArrays(of: group, into: fine, except: RecordingLayout.blobArrayName)
            let writer = try BlobWriter(in: fine, name: RecordingLayout.blobArrayName, shardBytes: chunk * 4, innerChunkBytes: chunk)
            try writer.write(bytes)
            _ = try writer.finish()
            try fine.setAttributes(group.attributes)
            for count in workers {
                var options = IndexOptions()
                options.workers = count
                options.rangeBytes = 1
                if !(try await backend.storedIndexMatches(in: fine, options: options)) {
                    failures.append("the index built over \(chunk)-byte ranges with \(count) workers differs from the stored one")
                }
            }
        }
        return failures
    }

    /// A stored index equals a fresh build, before and after a rebuild.
    public func rebuiltIndexEqualsStored() async throws -> [String] {
        let (group, _) = try await importSource()
        var failures: [String] = []
        if !(try await backend.storedIndexMatches(in: group, options: IndexOptions())) { failures.append("the stored index differs from a fresh build") }
        _ = try await backend.buildIndex(in: group, options: IndexOptions())
        if !(try await backend.storedIndexMatches(in: group, options: IndexOptions())) { failures.append("after a rebuild the stored index differs from a fresh build") }
        if !(try await backend.damagedRegions(in: group, options: IndexOptions())).isEmpty { failures.append("an intact blob is reported damaged") }
        return failures
    }

    /// Bytes flipped in the blob: the damage is found, the rebuilt index and every extraction
    /// either equal the reference or throw a ``CodecError``, never different samples.
    public func damageGivesTypedErrorsNeverWrongSamples(seeds: [UInt64] = [1, 2, 3]) async throws -> [String] {
        var failures: [String] = []
        for seed in seeds {
            let (group, _) = try await importSource()
            let blob = try group.array(RecordingLayout.blobArrayName)
            let length = blob.shape[0]
            var random = SplitMix64(seed: seed)
            // Damage in the middle half (headers at the start are covered by the parsers' own tests).
            for _ in 0..<3 {
                let at = length / 4 + Int(random.next() % UInt64(max(1, length / 2)))
                let byte = try blob.readBytes(at..<at + 1)[0]
                try blob.write([byte ^ UInt8(1 + random.next() % 255)], origin: [at], shape: [1])
            }
            if try await backend.damagedRegions(in: group, options: IndexOptions()).isEmpty && reference.tolerance == 0 {
                failures.append("seed \(seed): flipped blob bytes were not reported as damage")
            }
            do {
                _ = try await backend.buildIndex(in: group, options: IndexOptions())
            } catch {
                continue  // a typed refusal is a conforming answer
            }
            let reader: any RecordingReader
            do { reader = try backend.openRecording(group) } catch { continue }
            let channels = reader.channelCount
            let total = reader.totalSamples
            for _ in 0..<20 where total > 0 {
                let start = Int64(random.next() % UInt64(total))
                let range = start..<min(total, start + 1 + Int64(random.next() % 20_000))
                guard let extracted = try? reader.extract(range, as: reference.format) else { continue }
                if let worst = Self.difference(extracted.samples, reference.samples, from: Int(range.lowerBound) * channels),
                   worst > max(reference.tolerance, reference.tolerance > 0 ? 64 * reference.tolerance : 0) {
                    failures.append("seed \(seed): samples \(range) of a damaged blob came back different (by \(worst)) without an error")
                }
            }
        }
        return failures
    }

    // MARK: Helpers

    private static func count(_ samples: PCMBuffer.Samples) -> Int {
        switch samples {
        case .int16(let s): s.count
        case .int32(let s): s.count
        case .float32(let s): s.count
        }
    }

    /// The largest difference between `part` and `whole[offset...]`; nil when the formats differ
    /// or `part` runs past `whole` (reported as infinity).
    private static func difference(_ part: PCMBuffer.Samples, _ whole: PCMBuffer.Samples, from offset: Int) -> Double? {
        func worst<T>(_ a: [T], _ b: [T], _ distance: (T, T) -> Double) -> Double {
            guard offset + a.count <= b.count else { return .infinity }
            var result = 0.0
            for k in a.indices { result = max(result, distance(a[k], b[offset + k])) }
            return result
        }
        switch (part, whole) {
        case (.int16(let a), .int16(let b)): return worst(a, b) { abs(Double($0) - Double($1)) }
        case (.int32(let a), .int32(let b)): return worst(a, b) { abs(Double($0) - Double($1)) }
        case (.float32(let a), .float32(let b)): return worst(a, b) { $0.bitPattern == $1.bitPattern ? 0 : abs(Double($0) - Double($1)) }
        default: return .infinity
        }
    }

    private static func copyArrays(of group: ZarrGroup, into target: ZarrGroup, except skipped: String) throws {
        for (name, kind) in try group.children() where kind == .array && name != skipped {
            let array = try group.array(name)
            let copy = try target.createArray(name, metadata: array.metadata)
            try copy.write(try array.read(UInt64.self))
        }
    }
}
