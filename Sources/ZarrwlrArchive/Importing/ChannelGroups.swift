import AudioInput
import CodecCore
import Foundation
import ZarrStore

/// Recordings with more channels than their codec takes (FLAC: 8) are stored as channel groups:
/// subgroups "g0", "g1", ... of the recording, each a complete recording of consecutive channels
/// with its own blob and index. The recording's attributes list them under `channel_groups`.
enum ChannelGroups {
    /// Channel ranges of at most `maximum` channels covering `channels`.
    static func plan(channels: Int, maximum: Int) -> [Range<Int>] {
        stride(from: 0, to: channels, by: maximum).map { $0..<min(channels, $0 + maximum) }
    }

    /// Writes one WAV per channel group of `source` into `folder`, streaming block by block:
    /// integers at the source's depth, float and lossy sources as 32-bit floats (levels kept).
    static func split(_ source: ImportSource, groups: [Range<Int>], into folder: String) throws(CodecError) -> [ImportSource] {
        let reader = try source.pcmReader()
        let asFloat = reader.encoding != .integer
        let paths = groups.indices.map { folder + "/group\($0).wav" }
        let writers = try zip(groups, paths).map { (group, path) throws(CodecError) in
            try PCMFileWriter(
                path: path, container: .wav(frames: reader.declaredFrames, channelCount: group.count, bitsPerSample: asFloat ? nil : reader.bitsPerSample),
                sampleRate: reader.sampleRate, channelCount: group.count, bitsPerSample: asFloat ? nil : reader.bitsPerSample)
        }
        let channels = reader.channelCount
        func pick<T>(_ block: [T], frames: Int, _ group: Range<Int>) -> [T] {
            var part = [T]()
            part.reserveCapacity(frames * group.count)
            for frame in 0..<frames { part += block[frame * channels + group.lowerBound..<frame * channels + group.upperBound] }
            return part
        }
        var integers: [Int32] = []
        var floats: [Float] = []
        while true {
            let frames = asFloat ? try reader.readFloat(maxFrames: 4096, into: &floats) : try reader.read(maxFrames: 4096, into: &integers)
            if frames == 0 { break }
            for (group, writer) in zip(groups, writers) {
                let samples: PCMBuffer.Samples = asFloat ? .float32(pick(floats, frames: frames, group)) : .int32(pick(integers, frames: frames, group))
                try writer.write(PCMBuffer(samples: samples, channelCount: group.count, sampleRate: reader.sampleRate, bitsPerSample: asFloat ? 32 : reader.bitsPerSample))
            }
        }
        return paths.map { ImportSource(path: $0, isLossyDecode: reader.encoding == .lossy) }
    }

    /// The attribute describing the groups.
    static func description(_ groups: [Range<Int>]) -> JSONValue {
        .array(groups.enumerated().map { k, group in
            ["group": .string("g\(k)"), "first_channel": .int(Int64(group.lowerBound)), "channels": .int(Int64(group.count))]
        })
    }
}

/// Extraction from a recording stored as channel groups: each group extracts the range, and the
/// channels are interleaved back in order, as if it were one stream.
struct GroupedRecordingReader: RecordingReader {
    let readers: [any RecordingReader]

    var totalSamples: Int64 { readers.map(\.totalSamples).min() ?? 0 }
    var sampleRate: Int { readers.first?.sampleRate ?? 0 }
    var channelCount: Int { readers.reduce(0) { $0 + $1.channelCount } }
    var bitsPerSample: Int { readers.first?.bitsPerSample ?? 16 }
    var isFloat: Bool { readers.first?.isFloat ?? false }

    func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
        guard range.upperBound <= totalSamples else {
            throw CodecError(.invalidArgument, "samples \(range.lowerBound)..<\(range.upperBound) are outside the recording (0..<\(totalSamples))")
        }
        var parts: [PCMBuffer] = []
        for reader in readers { parts.append(try reader.extract(range, as: format)) }
        let frames = Int(range.count), channels = channelCount
        func interleave<T>(_ pick: (PCMBuffer) -> [T], zero: T) -> [T] {
            var out = [T](repeating: zero, count: frames * channels)
            var first = 0
            for part in parts {
                let samples = pick(part), width = part.channelCount
                for frame in 0..<frames {
                    for c in 0..<width { out[frame * channels + first + c] = samples[frame * width + c] }
                }
                first += width
            }
            return out
        }
        let samples: PCMBuffer.Samples
        switch format {
        case .int16: samples = .int16(interleave({ if case .int16(let s) = $0.samples { s } else { [] } }, zero: 0))
        case .int32: samples = .int32(interleave({ if case .int32(let s) = $0.samples { s } else { [] } }, zero: 0))
        case .float32: samples = .float32(interleave({ if case .float32(let s) = $0.samples { s } else { [] } }, zero: 0))
        }
        return PCMBuffer(samples: samples, channelCount: channels, sampleRate: sampleRate, bitsPerSample: bitsPerSample, clippedSamples: parts.reduce(0) { $0 + $1.clippedSamples })
    }
}
