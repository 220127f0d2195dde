import AudioInput
import CodecCore
import Foundation

/// Decodes inputs libsndfile cannot read (AAC/m4a, video containers, ...) with the ffmpeg CLI
/// into a temporary WAV, never changing the level: lossy codecs as the 32-bit floats their
/// decoders produce (no clipping here; an integer codec quantises and counts the clipping);
/// lossless codecs and PCM as exactly the samples their decoder gives (ffprobe's sample format and
/// significant bits): integers of up to 16, 24 or 32 bits, 32-bit floats as floats (kept by
/// WavPack, refused by FLAC, as for a float WAV); 64-bit samples, which no codec here keeps
/// exactly, are refused.
enum FFmpegDecoder {
    /// ffmpeg codec names of lossless audio codecs (anything else is treated as lossy).
    static let losslessCodecs: Set<String> = [
        "alac", "flac", "wavpack", "tta", "ape", "mlp", "truehd", "mp4als", "shorten", "tak", "wmalossless", "s302m",
    ]

    /// Whether libsndfile (or a codec's own 1:1 copy) can take the file as it is.
    static func isReadableDirectly(_ path: String, codecs: CodecRegistry) -> Bool {
        if let head = try? SourceFile.firstBytes(path, count: ProbeSpec.probeBytes),
           codecs.backends.contains(where: { $0.probe.signatures.contains { $0.matches(head) } }) {
            return true
        }
        return (try? PCMFileReader(path: path)) != nil
    }

    /// Why a FLAC-coded input that libsndfile cannot open is refused: ffmpeg's decode of such a
    /// stream (no STREAMINFO) can be shifted against libFLAC's, and the truth rule allows no decoder
    /// but the reference for FLAC.
    static let flacRefusal = "a FLAC-coded stream that libsndfile cannot open (it lacks the fLaC header and STREAMINFO, or sits inside another container); only libFLAC decodes FLAC here, and ffmpeg's decode of such a stream can differ from it. Decode it with libFLAC (`flac -d FILE -o FILE.wav`, which takes a stream without STREAMINFO) and import the WAV"

    /// Whether `head` starts with a FLAC frame header (RFC 9639 §9.1: sync code 0b111111111111100
    /// and the blocking strategy bit), as a stream cut from a FLAC file without its header does.
    static func startsWithFLACFrame(_ head: [UInt8]) -> Bool {
        head.count >= 2 && head[0] == 0xFF && (head[1] == 0xF8 || head[1] == 0xF9)
    }

    /// Decodes `path` into a WAV inside `folder`; returns the WAV's path and a description.
    /// - Throws: ``CodecError/Code/unsupported`` for FLAC-coded input (``flacRefusal``).
    static func decode(_ path: String, into folder: String) throws(CodecError) -> DecodedInput {
        if let head = try? SourceFile.firstBytes(path, count: 2), startsWithFLACFrame(head) {
            throw CodecError(.unsupported, flacRefusal, codec: CodecID("flac"), file: path)
        }
        guard let ffmpeg = which("ffmpeg") else {
            throw CodecError(.unrecognized, "libsndfile cannot read this file and ffmpeg, which could, is not installed (apt-get install ffmpeg)", file: path)
        }
        guard let ffprobe = which("ffprobe") else {
            throw CodecError(.unrecognized, "libsndfile cannot read this file, and ffprobe (part of ffmpeg), which tells how its samples are to be kept, is not installed (apt-get install ffmpeg)", file: path)
        }
        var container = "unknown container", codec = "unknown codec", sampleFormat = "", significantBits = 0, audioStreams = 0
        var statedSeconds: Double?
        if let probe = try? run(ffprobe, ["-v", "error", "-select_streams", "a", "-show_entries", "stream=bits_per_raw_sample,codec_name,sample_fmt:format=format_name,duration", "-of", "default=nw=1", Self.fileURL(path)]).output {
            // One block of lines per audio stream, in order: the first stream's values are kept.
            for line in probe.split(separator: "\n") {
                if line.hasPrefix("codec_name=") {
                    audioStreams += 1
                    if audioStreams == 1 { codec = String(line.dropFirst(11)) }
                }
                guard audioStreams <= 1 else { continue }
                if line.hasPrefix("bits_per_raw_sample="), let value = Int(line.dropFirst(20)) { significantBits = value }
                if line.hasPrefix("format_name=") { container = String(line.dropFirst(12)) }
                if line.hasPrefix("duration="), let seconds = Double(line.dropFirst(9)), seconds.isFinite { statedSeconds = seconds }
                if line.hasPrefix("sample_fmt=") { sampleFormat = String(line.dropFirst(11)) }
            }
        }
        // One recording is one stream: importing the first of several (a video's second language,
        // a multitrack recorder's other tracks) would keep a part of the file as if it were all.
        if audioStreams > 1 {
            throw CodecError(.unsupported, "it holds \(audioStreams) audio streams and a recording is one: extract each (`ffmpeg -i FILE -map 0:a:K -c copy TRACK.mka`, K from 0) and import those", file: path)
        }
        if codec == "flac" { throw CodecError(.unsupported, flacRefusal, codec: CodecID("flac"), file: path) }
        let wav = folder + "/decoded.wav"
        let lossy = !(losslessCodecs.contains(codec) || codec.hasPrefix("pcm_"))
        let sampleCodec = lossy ? "pcm_f32le" : try exactSampleCodec(sampleFormat: sampleFormat, significantBits: significantBits, codec: codec, file: path)
        let complaints: String
        do {
            complaints = try run(ffmpeg, ["-v", "error", "-nostdin", "-y", "-i", Self.fileURL(path), "-map", "0:a:0", "-c:a", sampleCodec, "-rf64", "auto", "-f", "wav", Self.fileURL(wav)]).errors
        } catch {
            throw CodecError(.unrecognized, "neither libsndfile nor ffmpeg can read it as audio: \(error)", file: path)
        }
        return DecodedInput(wav: wav, description: "ffmpeg: \(container), \(codec)", isLossy: lossy, decodedBy: "ffmpeg",
                            warning: shortfall(of: wav, statedSeconds: statedSeconds, complaints: complaints), notKept: nil)
    }

    /// `path` as ffmpeg and ffprobe must be given it: after `file:`, so that a name which looks
    /// like a protocol (`concat:a.m4a` read another file, `a.m4a`) or an option (`-b.m4a`) is
    /// the file of that name.
    private static func fileURL(_ path: String) -> String { "file:" + path }

    /// What to tell of a decode that ffmpeg finished (exit 0) but that is not all of the file: the
    /// errors it reported (a file cut off: "File ended prematurely") and the seconds the container
    /// states beside those decoded, when the decode is shorter by more than a lossy codec's
    /// padding. As a cut-off WAV, such a file is imported as far as it decodes, with this warning.
    private static func shortfall(of wav: String, statedSeconds: Double?, complaints: String) -> String? {
        // Lines as "[matroska,webm @ 0x55913c17c9c0] File ended prematurely": the message without its source.
        let said = complaints.split(separator: "\n").map { line in
            (line.hasPrefix("[") ? line.firstRange(of: "] ").map { line[$0.upperBound...] } ?? line : line).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        var decodedSeconds: Double?
        if let reader = try? PCMFileReader(path: wav), reader.sampleRate > 0 { decodedSeconds = Double(reader.declaredFrames) / Double(reader.sampleRate) }
        var parts: [String] = []
        if let stated = statedSeconds, let decoded = decodedSeconds, stated - decoded > max(0.1, stated * 0.001) {
            parts.append(String(format: "the file states %.3f s and decodes to %.3f s", stated, decoded))
        }
        if !said.isEmpty { parts.append("ffmpeg reported: " + said.prefix(3).joined(separator: "; ")) }
        return parts.isEmpty ? nil : parts.joined(separator: "; ") + ": imported what decodes (a file cut off, or damaged)"
    }

    /// The WAV sample codec that holds a lossless decoder's samples exactly: its sample format
    /// (ffprobe's `sample_fmt`, planar or not) and, for 32-bit integers, how many bits are significant.
    /// - Throws: ``CodecError/Code/unsupported`` for 64-bit samples and formats ffprobe did not name.
    static func exactSampleCodec(sampleFormat: String, significantBits: Int, codec: String, file: String) throws(CodecError) -> String {
        let format = sampleFormat.hasSuffix("p") ? String(sampleFormat.dropLast()) : sampleFormat
        switch format {
        case "u8", "s16": return "pcm_s16le"
        case "s32": return (1...16).contains(significantBits) ? "pcm_s16le" : (17...24).contains(significantBits) ? "pcm_s24le" : "pcm_s32le"
        case "flt": return "pcm_f32le"
        case "dbl", "s64":
            throw CodecError(.unsupported, "its \(codec) samples are 64-bit (\(format)), which no codec here keeps exactly, and this import does not round them silently: convert it to 32-bit float or 24-bit PCM first (for example `ffmpeg -i FILE -c:a pcm_f32le OUT.wav`)", file: file)
        default:
            throw CodecError(.unsupported, "ffprobe does not say how its \(codec) samples are kept (sample format '\(sampleFormat)'), so they cannot be decoded exactly", file: file)
        }
    }

    private static func which(_ tool: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `tool`; what it wrote to standard output and to standard error.
    /// - Throws: a ``Failure`` with its standard error when it exits non-zero.
    private static func run(_ tool: String, _ arguments: [String]) throws -> (output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: message.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return (text, message)
    }
}
