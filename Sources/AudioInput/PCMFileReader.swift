internal import CSndfile
import CodecCore
import ZarrStore

/// Streams integer PCM from any file libsndfile reads (WAV incl. WAVE_FORMAT_EXTENSIBLE, RF64,
/// W64, AIFF, FLAC, Ogg Vorbis, MP3, ...), one block at a time; never the whole recording.
///
/// Levels are never changed: integer sources come out as native integers at ``bitsPerSample``
/// (not left-justified) or as floats divided by 2^(bits-1); float sources and lossy decoders
/// (MP3, Vorbis, Opus) come out as the floats they hold. No normalisation anywhere (libsndfile's
/// `SFC_SET_SCALE_FLOAT_INT_READ` would scale each file to full scale). Lossy sources have no bit
/// depth of their own: ``read(maxFrames:into:)`` quantises them to 16 bits, rounding as ffmpeg's
/// float-to-s16 conversion does, and counts the samples it had to clip in ``clippedSamples``.
public final class PCMFileReader {
    /// How the source stores samples.
    public enum SampleEncoding: String, Sendable {
        case integer, float, lossy
    }

    public let path: String
    public let sampleRate: Int
    public let channelCount: Int
    /// Frames the header declares (may exceed what the file holds); the largest count for a file
    /// whose header states none (libsndfile's SF_COUNT_MAX for Ogg and MP3 streams).
    public let declaredFrames: Int64

    /// Whether the header states how many frames the file holds.
    public var statesFrames: Bool { declaredFrames < Int64.max }

    /// What an import says of a file that held fewer frames than its header declares (`frames`
    /// read); nil when it held them all, or when its header states no count.
    public func shortfallWarning(read frames: Int64) -> String? {
        guard statesFrames, frames < declaredFrames else { return nil }
        return "the header declares \(declaredFrames) frames but the file holds \(frames); imported \(frames)"
    }
    public let bitsPerSample: Int
    public let encoding: SampleEncoding
    /// libsndfile's name of the container, e.g. "WAV (Microsoft)".
    public let containerName: String
    /// libsndfile's name of the sample encoding, e.g. "Signed 24 bit PCM".
    public let encodingName: String
    /// Text tags the container carries (keys: title, artist, comment, date), as libsndfile reads them.
    public let tags: [String: String]

    /// Where reads are reported, in bytes of the file (its size times the share of the declared
    /// frames read), for a progress display.
    public var progress: ReadProgress?
    /// Sees every block this reader hands out, in order.
    public var observer: (any PCMObserver)?

    /// Samples that lay outside the integer range when a lossy source was quantised (clipped).
    public private(set) var clippedSamples: Int64 = 0

    /// The bit depth lossy sources are quantised to by ``read(maxFrames:into:)``.
    public static let lossyQuantisationBits = 16

    private let handle: OpaquePointer
    /// What libsndfile reads a WAV whose header was never finalised through (kept open as long as the handle).
    private let unfinalisedView: UnfinalisedWAV?
    private var fileBytes: Int64?
    private var scratch: [Float] = []

    /// Opens `path`.
    /// - Parameter floatIsLossyDecode: the file is the float decode of a lossy original (made by
    ///   ffmpeg, say): its samples are then treated as a lossy source's, not as float PCM.
    /// - Throws: ``CodecError/Code/noInput`` when the file is missing,
    ///   ``CodecError/Code/unrecognized`` when libsndfile cannot read it (its reason included).
    public init(path: String, floatIsLossyDecode: Bool = false) throws(CodecError) {
        var info = SF_INFO()
        let (opened, view) = UnfinalisedWAV.open(path, info: &info)
        unfinalisedView = view
        guard let handle = opened else {
            let reason = String(cString: sf_strerror(nil))
            let missing = reason.contains("No such file") || reason.contains("not exist")
            throw CodecError(missing ? .noInput : .unrecognized, "not readable as audio: \(reason)", file: path)
        }
        self.handle = handle
        self.path = path
        sampleRate = Int(info.samplerate)
        channelCount = Int(info.channels)
        declaredFrames = Int64(info.frames)
        let subtype = info.format & Int32(SF_FORMAT_SUBMASK)
        let (depth, kind) = Self.depth(of: subtype)
        (bitsPerSample, encoding) = kind == .float && floatIsLossyDecode ? (Self.lossyQuantisationBits, .lossy) : (depth, kind)
        containerName = Self.formatName(Int32(info.format) & Int32(SF_FORMAT_TYPEMASK))
        encodingName = Self.formatName(subtype)
        var tags: [String: String] = [:]
        for (key, id) in [("title", SF_STR_TITLE), ("artist", SF_STR_ARTIST), ("comment", SF_STR_COMMENT), ("date", SF_STR_DATE)] {
            if let value = sf_get_string(handle, Int32(id)) { tags[key] = String(cString: value) }
        }
        self.tags = tags
        // Integer sources read as floats are divided by 2^(bits-1) (libsndfile's default, set
        // explicitly); float sources and lossy decoders are returned as they are in any case.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        guard sampleRate > 0, channelCount > 0 else {
            sf_close(handle)
            throw CodecError(.unrecognized, "header gives \(sampleRate) Hz and \(channelCount) channels", file: path)
        }
    }

    deinit {
        sf_close(handle)
    }

    /// Reads up to `maxFrames` frames as integers at ``bitsPerSample``, interleaved, into
    /// `samples` (replacing its contents). Lossy sources are quantised (see the type).
    /// - Returns: frames read; 0 at the end of the data.
    /// - Throws: ``CodecError/Code/unsupported`` for float sources (use ``readFloat(maxFrames:into:)``:
    ///   they are never quantised silently), ``CodecError/Code/corrupt`` when libsndfile fails.
    public func read(maxFrames: Int, into samples: inout [Int32]) throws(CodecError) -> Int {
        switch encoding {
        case .float:
            throw CodecError(.unsupported, "\(encodingName) samples cannot be read as integers without quantising them", file: path)
        case .lossy:
            let frames = try readFloat(maxFrames: maxFrames, into: &scratch)
            let n = frames * channelCount
            if samples.count != n { samples = [Int32](repeating: 0, count: n) }
            let scale = Float(1 << (bitsPerSample - 1))
            let low = -scale, high = scale - 1
            var clipped: Int64 = 0
            scratch.withUnsafeBufferPointer { input in
                samples.withUnsafeMutableBufferPointer { output in
                    for i in 0..<n {
                        // Round half to even after scaling, as lrintf does in ffmpeg's flt -> s16.
                        var value = (input[i] * scale).rounded(.toNearestOrEven)
                        if value > high { value = high; clipped += 1 } else if value < low { value = low; clipped += 1 }
                        if value.isNaN { value = 0 }
                        output[i] = Int32(value)
                    }
                }
            }
            clippedSamples += clipped
            return frames
        case .integer:
            let count = maxFrames * channelCount
            if samples.count != count { samples = [Int32](repeating: 0, count: count) }
            let frames = samples.withUnsafeMutableBufferPointer { sf_readf_int(handle, $0.baseAddress, sf_count_t(maxFrames)) }
            if frames < 0 { throw CodecError(.corrupt, "read failed: \(String(cString: sf_strerror(handle)))", file: path) }
            let shift = Int32(32 - bitsPerSample)
            let n = Int(frames) * channelCount
            if shift > 0 {
                // libsndfile left-justifies to 32 bits; shift 1-31, so the masking shift is exact
                // and keeps the loop free of overshift checks.
                samples.withUnsafeMutableBufferPointer { buffer in
                    for i in 0..<n { buffer[i] &>>= shift }
                }
            }
            if n < count { samples.removeSubrange(n...) }
            report(frames: Int(frames))
            if let observer { samples.withUnsafeBufferPointer { observer.observe(integers: $0, from: ObjectIdentifier(self)) } }
            return Int(frames)
        }
    }

    /// Reads `frames` frames as interleaved native integers, or a float source's samples as
    /// their bit patterns when `floatBitPatterns` is set, in pieces of at most `pieceFrames`
    /// frames (each an array of its own); fewer frames only at the end of the data.
    public func readSegment(frames: Int, pieceFrames: Int = 65_536, floatBitPatterns: Bool = false) throws(CodecError) -> [[Int32]] {
        var pieces: [[Int32]] = [], floats: [Float] = []
        var read = 0
        while read < frames {
            var piece: [Int32] = []
            let n: Int
            if floatBitPatterns {
                n = try readFloat(maxFrames: min(pieceFrames, frames - read), into: &floats)
                piece = floats.map { Int32(bitPattern: $0.bitPattern) }
            } else {
                n = try self.read(maxFrames: min(pieceFrames, frames - read), into: &piece)
            }
            if n == 0 { break }
            pieces.append(piece)
            read += n
        }
        return pieces
    }

    /// Reports `frames` more frames read to ``progress``.
    private func report(frames: Int) {
        guard let progress, declaredFrames > 0, frames > 0 else { return }
        if fileBytes == nil { fileBytes = SourceFile.status(path)?.size ?? 0 }
        progress.add(Int64(Double(fileBytes ?? 0) * Double(frames) / Double(declaredFrames)))
    }

    /// Reads up to `maxFrames` frames as floats, interleaved, into `samples` (replacing its
    /// contents): integer sources divided by 2^(bits-1), float and lossy sources as they are
    /// (values beyond -1...1 kept).
    /// - Returns: frames read; 0 at the end of the data.
    public func readFloat(maxFrames: Int, into samples: inout [Float]) throws(CodecError) -> Int {
        let count = maxFrames * channelCount
        if samples.count != count { samples = [Float](repeating: 0, count: count) }
        let frames = samples.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(maxFrames)) }
        if frames < 0 { throw CodecError(.corrupt, "read failed: \(String(cString: sf_strerror(handle)))", file: path) }
        let n = Int(frames) * channelCount
        if n < count { samples.removeSubrange(n...) }
        report(frames: Int(frames))
        if let observer { samples.withUnsafeBufferPointer { observer.observe(floats: $0, from: ObjectIdentifier(self)) } }
        return Int(frames)
    }

    /// How the samples were obtained, for a recording's metadata: the decoder, whether the
    /// source is lossy, and for lossy sources read as integers the depth and the clipped samples.
    public var decodeFacts: JSONValue {
        var facts: [String: JSONValue] = [
            "decoder": .string(SndfileLibrary.version), "source_encoding": .string(encodingName),
            "lossy_source": .bool(encoding == .lossy), "level_scaling": "none",
        ]
        if encoding == .lossy {
            facts["quantised_bits_per_sample"] = .int(Int64(bitsPerSample))
            facts["clipped_samples"] = .int(clippedSamples)
        }
        return .object(facts)
    }

    private static func depth(of subtype: Int32) -> (Int, SampleEncoding) {
        switch Int(subtype) {
        case Int(SF_FORMAT_PCM_S8), Int(SF_FORMAT_PCM_U8), Int(SF_FORMAT_DPCM_8): return (8, .integer)
        case Int(SF_FORMAT_PCM_16), Int(SF_FORMAT_DPCM_16), Int(SF_FORMAT_DWVW_16), Int(SF_FORMAT_ALAC_16),
             Int(SF_FORMAT_NMS_ADPCM_16), Int(SF_FORMAT_ULAW), Int(SF_FORMAT_ALAW): return (16, .integer)
        case Int(SF_FORMAT_ALAC_20): return (20, .integer)
        case Int(SF_FORMAT_PCM_24), Int(SF_FORMAT_DWVW_24), Int(SF_FORMAT_ALAC_24): return (24, .integer)
        case Int(SF_FORMAT_PCM_32), Int(SF_FORMAT_ALAC_32): return (32, .integer)
        case Int(SF_FORMAT_FLOAT): return (32, .float)
        case Int(SF_FORMAT_DOUBLE): return (64, .float)
        case Int(SF_FORMAT_DWVW_12): return (12, .integer)
        default: return (16, .lossy)
        }
    }

    /// libsndfile's name of a major format or subtype value (SFC_GET_FORMAT_INFO looks a value up;
    /// the _MAJOR and _SUBTYPE commands take enumeration indices instead).
    private static func formatName(_ format: Int32) -> String {
        var info = SF_FORMAT_INFO()
        info.format = format
        guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0, let name = info.name else {
            return "format 0x\(String(format, radix: 16))"
        }
        return String(cString: name)
    }
}
