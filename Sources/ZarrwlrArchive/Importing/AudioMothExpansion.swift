#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AudioInput
import CodecCore
import CodecWavPack
import Foundation

/// AudioMoth's triggered recordings (amplitude threshold or frequency trigger, files named
/// "...T.WAV"). The firmware (AudioMoth-Firmware-Basic, main.c: `encodeCompressionBuffer`) does not
/// write the buffers in which nothing triggered: each run of them becomes one 512-byte block,
/// aligned to 512 bytes in the file, whose first 32 samples are +1 or -1 for the bits of N (least
/// significant first) and whose other 224 samples are 0; it stands for N blocks of 512 bytes of
/// silence. Read as it is, such a file puts every sample after the first marker before its time,
/// and the markers are heard as clicks. The import reads the recording as AudioMoth's own
/// expansion gives it (AudioMoth-Utils' `expand`, DURATION): each marker N x 256 zero samples,
/// so that every sample lies at its time.
///
/// A T.WAV encoded by `flac --keep-foreign-metadata` or by `wavpack` is such a recording too: the
/// FLAC or WavPack file keeps the WAV's chunks (and with them the comment and where the data chunk
/// lay), and its samples are the data chunk's, so the markers lie where they lay in the WAV. So is
/// one encoded by `flac` alone, which keeps neither: a FLAC file named as AudioMoth names triggered
/// recordings (`20250416_000000T.flac`) whose markers, found by their pattern, all lie on one
/// 512-byte grid, as the WAV's did.
enum AudioMothExpansion {
    /// A marker's size, and the alignment of the blocks in the file.
    static let blockBytes = 512
    /// The samples of one 512-byte block of 16-bit mono audio.
    static let samplesPerBlock: Int64 = 256
    /// A record holds at most 65,535 s (the firmware's duration is 16 bits) and 2^32 - 1 samples
    /// (its sample count is 32 bits): markers standing for more are not the firmware's.
    static let maximumSeconds: Int64 = 65_535

    /// What holds a triggered recording's data chunk.
    enum Container: Sendable {
        /// The T.WAV itself.
        case wav
        /// A FLAC file that keeps the T.WAV's chunks (`flac --keep-foreign-metadata`).
        case flac
        /// A WavPack file (which keeps the T.WAV's chunks unless told not to).
        case wavPack
        /// A FLAC file that keeps none of the T.WAV's chunks: its markers found by their pattern.
        case flacWithoutChunks

        /// The words the import's warning and the recording's description use for it.
        var words: (description: String, warning: String, original: String) {
            switch self {
            case .wav: ("triggered AudioMoth WAV (expanded)", "T.WAV", "the T.WAV")
            case .flac: ("triggered AudioMoth WAV in FLAC (expanded)", "T.WAV encoded as FLAC with its WAV chunks", "the file")
            case .wavPack: ("triggered AudioMoth WAV in WavPack (expanded)", "T.WAV encoded as WavPack", "the file")
            case .flacWithoutChunks: ("triggered AudioMoth WAV in FLAC without its WAV chunks (expanded)", "T.WAV encoded as FLAC without its WAV chunks, its markers found by their pattern", "the file")
            }
        }
    }

    /// What a triggered recording holds: its data chunk and its markers, summed.
    struct Layout: Sendable {
        let container: Container
        /// Where the data chunk's payload lies (lay, for FLAC) in the WAV: the blocks are aligned to the WAV's 512 bytes.
        let dataOffset: Int64
        let dataBytes: Int64
        let sampleRate: Int64
        let markers: Int64
        /// Samples of silence the markers stand for.
        let silentSamples: Int64
        /// The samples of the expanded recording.
        var samples: Int64 { dataBytes / 2 - markers * AudioMothExpansion.samplesPerBlock + silentSamples }
    }

    /// A piece of the data chunk, in order.
    private enum Piece {
        /// Samples as the file holds them.
        case audio(UnsafeRawBufferPointer)
        /// A marker: this many 512-byte blocks of silence.
        case silence(blocks: Int64)
    }

    /// The layout of `path` when it is an AudioMoth triggered recording (16-bit mono PCM whose
    /// AudioMoth comment states a trigger) with at least one marker, as a WAV or as a FLAC or
    /// WavPack file that keeps its WAV chunks; nil for any other file.
    /// - Throws: ``CodecError/Code/corrupt`` when its markers stand for more than a recording holds.
    static func detect(_ path: String) throws(CodecError) -> Layout? {
        let container: Container, chunks: RIFFChunks
        if case let wav = RIFFChunks(path: path), !wav.chunks.isEmpty {
            (container, chunks) = (.wav, wav)
        } else if case let flac = RIFFChunks(foreignMetadataOf: path), !flac.chunks.isEmpty {
            (container, chunks) = (.flac, flac)
        } else if case let wavPack = RIFFChunks(wavPackWrapperOf: path), !wavPack.chunks.isEmpty {
            (container, chunks) = (.wavPack, wavPack)
        } else {
            return try detectByPattern(path)
        }
        func little(_ bytes: [UInt8], _ at: Int, _ count: Int) -> Int64 { RIFFChunks.littleEndian(bytes[at..<at + count]) }
        guard let format = chunks.payload("fmt "), format.count >= 16,
              little(format, 0, 2) == 1, little(format, 2, 2) == 1, little(format, 14, 2) == 16,
              let data = chunks.chunks.first(where: { $0.id == "data" }),
              let comment = chunks.infoEntries()["ICMT"], let audioMoth = AudioMothComment(comment),
              audioMoth.amplitudeThreshold != nil || audioMoth.frequencyTrigger != nil
        else { return nil }
        // AudioMoth records at up to 384 kHz.
        let sampleRate = little(format, 4, 4)
        guard (1...384_000).contains(sampleRate) else { return nil }
        let dataOffset: Int64, dataBytes: Int64
        switch container {
        case .wav:
            guard let fileSize = SourceFile.status(path)?.size, data.offset <= fileSize else { return nil }
            (dataOffset, dataBytes) = (data.offset, min(data.size, fileSize - data.offset) & ~1)
        case .flac, .wavPack, .flacWithoutChunks:
            // The samples are the data chunk's: as many as the stream holds, at the WAV's offset.
            guard let wavOffset = chunks.dataOffsetInWAV, let decoded = sixteenBitMono(path, container), decoded.sampleRate == sampleRate else { return nil }
            (dataOffset, dataBytes) = (wavOffset, decoded.frames * 2)
        }
        return try layout(path, container, dataOffset: dataOffset, dataBytes: dataBytes, sampleRate: sampleRate)
    }

    /// The layout of a FLAC file named as AudioMoth names triggered recordings
    /// ("20250416_000000T.flac") that keeps no WAV chunks, when its 16-bit mono samples hold
    /// markers that all lie on one 512-byte grid (where the T.WAV's 512-byte boundaries were).
    private static func detectByPattern(_ path: String) throws(CodecError) -> Layout? {
        let name = (path as NSString).lastPathComponent
        guard name.wholeMatch(of: #/(?i)\d{8}_\d{6}T\.flac/#) != nil, (try? SourceFile.firstBytes(path, count: 4)) == Array("fLaC".utf8),
              let decoded = sixteenBitMono(path, .flacWithoutChunks), (1...384_000).contains(decoded.sampleRate),
              let reader = try? PCMFileReader(path: path), let phase = try markerPhase(reader)
        else { return nil }
        // The data chunk's offset modulo 512 that puts the markers on 512-byte boundaries.
        let dataOffset = (Int64(blockBytes) - 2 * phase) % Int64(blockBytes)
        return try layout(path, .flacWithoutChunks, dataOffset: dataOffset, dataBytes: decoded.frames * 2, sampleRate: decoded.sampleRate)
    }

    /// The rate and frames of the samples `container`'s decoder (libsndfile for FLAC, libwavpack
    /// for WavPack) gives for `path`, when they are 16-bit mono integers, as AudioMoth records them
    /// (losslessly kept); nil otherwise and for a WAV, whose bytes are read as they are.
    private static func sixteenBitMono(_ path: String, _ container: Container) -> (sampleRate: Int64, frames: Int64)? {
        let decoded: (channels: Int, bits: Int, isExactInteger: Bool, rate: Int, frames: Int64)
        switch container {
        case .wav:
            return nil
        case .flac, .flacWithoutChunks:
            guard let decoder = try? PCMFileReader(path: path) else { return nil }
            decoded = (decoder.channelCount, decoder.bitsPerSample, decoder.encoding == .integer, decoder.sampleRate, decoder.declaredFrames)
        case .wavPack:
            guard let decoder = try? WavPack.FileReader(path: path) else { return nil }
            decoded = (decoder.channelCount, decoder.bitsPerSample, decoder.isLossless && !decoder.isFloat, decoder.sampleRate, decoder.declaredFrames)
        }
        guard decoded.channels == 1, decoded.bits == 16, decoded.isExactInteger, decoded.frames > 0 else { return nil }
        return (Int64(decoded.rate), decoded.frames)
    }

    /// The sample index modulo 256 at which every marker in `decoder`'s samples starts (32
    /// samples of +1 or -1, at least one +1, then 224 zeros); nil when there is none or they do not
    /// all share one.
    private static func markerPhase(_ decoder: PCMFileReader) throws(CodecError) -> Int64? {
        var samples: [Int32] = []
        var index: Int64 = 0, signs = 0, zeros = 0, lastPlusOne: Int64 = -1
        var phase: Int64?
        while true {
            let frames = try decoder.read(maxFrames: 1 << 16, into: &samples)
            if frames == 0 { break }
            for sample in samples.prefix(frames) {
                if sample == 0 {
                    zeros += 1
                    // The 32 samples before the zeros are the marker's bits.
                    let start = index - Int64(zeros) + 1 - 32
                    if zeros == 224, signs >= 32, lastPlusOne >= start {
                        let found = start % samplesPerBlock
                        if let phase, phase != found { return nil }
                        phase = found
                    }
                } else {
                    if zeros > 0 { (signs, zeros) = (0, 0) }
                    signs = sample == 1 || sample == -1 ? signs + 1 : 0
                    if sample == 1 { lastPlusOne = index }
                }
                index += 1
            }
        }
        return phase
    }

    /// The layout of the triggered recording `path` whose data chunk lies at `dataOffset` of its
    /// WAV, from its markers; nil when it has none.
    /// - Throws: ``CodecError/Code/corrupt`` when its markers stand for more than a recording holds.
    private static func layout(_ path: String, _ container: Container, dataOffset: Int64, dataBytes: Int64, sampleRate: Int64) throws(CodecError) -> Layout? {
        var markers: Int64 = 0, silentSamples: Int64 = 0
        let source = try DataChunk(path, container)
        try walk(source, dataOffset: dataOffset, dataBytes: dataBytes) { (piece) throws(CodecError) in
            guard case .silence(let blocks) = piece else { return }
            markers += 1
            silentSamples += blocks * samplesPerBlock  // a marker adds at most 2^40; the sum is bounded below before the next
            guard silentSamples <= maximumSeconds * sampleRate, silentSamples <= Int64(UInt32.max) else {
                throw CodecError(.corrupt, "an AudioMoth triggered recording whose silence markers stand for more than a recording holds (\(silentSamples) samples by marker \(markers)): the file is damaged", file: path)
            }
        }
        guard markers > 0 else { return nil }
        return Layout(container: container, dataOffset: dataOffset, dataBytes: dataBytes, sampleRate: sampleRate, markers: markers, silentSamples: silentSamples)
    }

    /// Writes the expansion of the triggered recording `path` (see ``detect(_:)``) as a WAV (RF64
    /// when it needs 64-bit sizes) into `folder`, the silence as holes, a MiB at a time.
    static func expand(_ path: String, _ layout: Layout, into folder: String) throws(CodecError) -> DecodedInput {
        let wav = folder + "/expanded.wav"
        let output = try ByteOutput.file(wav)
        let dataBytes = layout.samples * 2
        var failure: CodecError?
        header(dataBytes: dataBytes, sampleRate: layout.sampleRate).withUnsafeBytes { raw in
            do throws(CodecError) { try output.writeFile(raw) } catch { failure = error }
        }
        if let failure { throw failure }
        let source = try DataChunk(path, layout.container)
        try walk(source, dataOffset: layout.dataOffset, dataBytes: layout.dataBytes) { (piece) throws(CodecError) in
            switch piece {
            case .audio(let bytes): try output.writeFile(bytes)
            case .silence(let blocks): try output.skipZeros(blocks * Int64(blockBytes))
            }
        }
        let rate = Double(layout.sampleRate)
        let silence = String(format: "%.1f", Double(layout.silentSamples) / rate)
        let (description, what, original) = layout.container.words
        let notKept = "its \(layout.markers) silent periods (\(silence) s) were stored as 512-byte markers and are zeros here"
        let warning = "an AudioMoth triggered recording (\(what)): its \(layout.markers) silent periods (\(silence) s in all), which the recorder stored as 512-byte markers, are zeros here, as AudioMoth's own expansion gives them, so every sample lies at its time (\(String(format: "%.1f", Double(layout.samples) / rate)) s in all); `export` cannot give \(original) back byte for byte, so keep the file if you need it whole"
        return DecodedInput(wav: wav, description: description, isLossy: false, decodedBy: "audiomoth_expansion", warning: warning, notKept: notKept)
    }

    /// A WAV header for `dataBytes` of 16-bit mono samples: RIFF, or RF64 (with ds64) past 32-bit sizes.
    private static func header(dataBytes: Int64, sampleRate: Int64) -> [UInt8] {
        func le(_ value: Int64, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        // PCM, 1 channel, the rate, bytes per second, 2 bytes per frame, 16 bits.
        var format: [UInt8] = Array("fmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2)
        format += le(sampleRate, 4) + le(sampleRate * 2, 4) + le(2, 2) + le(16, 2)
        let data: [UInt8] = Array("data".utf8)
        guard dataBytes + 36 <= Int64(UInt32.max) else {
            let riffBytes: Int64 = 4 + 36 + Int64(format.count) + 8 + dataBytes
            var rf64: [UInt8] = Array("RF64".utf8) + le(0xFFFF_FFFF, 4) + Array("WAVE".utf8)
            rf64 += Array("ds64".utf8) + le(28, 4) + le(riffBytes, 8) + le(dataBytes, 8) + le(dataBytes / 2, 8) + le(0, 4)
            return rf64 + format + data + le(0xFFFF_FFFF, 4)
        }
        let riff: [UInt8] = Array("RIFF".utf8) + le(36 + dataBytes, 4) + Array("WAVE".utf8)
        return riff + format + data + le(dataBytes, 4)
    }

    /// Calls `body` with the data chunk's pieces in order: the bytes before the first 512-byte
    /// boundary of the WAV and every block that is not a marker as audio, each marker as silence.
    private static func walk(_ source: DataChunk, dataOffset: Int64, dataBytes: Int64, _ body: (Piece) throws(CodecError) -> Void) throws(CodecError) {
        let block = Int64(blockBytes)
        let end = dataOffset + dataBytes
        // The first piece ends at a 512-byte boundary of the WAV; the others hold whole blocks (the last one may not).
        var position = dataOffset
        var pieceEnd = min(end, (dataOffset + block - 1) / block * block)
        while position < end {
            let bytes = try source.bytes(position..<pieceEnd)
            var failure: CodecError?
            bytes.withUnsafeBytes { raw in
                do throws(CodecError) { try split(raw, at: position, body) } catch { failure = error }
            }
            if let failure { throw failure }
            position = pieceEnd
            pieceEnd = min(end, position + 2048 * block)
        }
    }

    /// The bytes of a triggered recording's data chunk as the WAV holds (held) them: read from the
    /// WAV, or the 16-bit samples libsndfile decodes from the FLAC file (libwavpack from the WavPack
    /// file), little-endian; asked for in order.
    private final class DataChunk {
        private let path: String
        private let fd: Int32
        private let flac: PCMFileReader?
        private let wavPack: WavPack.FileReader?
        private var samples: [Int32] = []

        init(_ path: String, _ container: Container) throws(CodecError) {
            self.path = path
            switch container {
            case .wav:
                fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw CodecError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
                (flac, wavPack) = (nil, nil)
            case .flac, .flacWithoutChunks:
                (fd, flac, wavPack) = (-1, try PCMFileReader(path: path), nil)
            case .wavPack:
                (fd, flac, wavPack) = (-1, nil, try WavPack.FileReader(path: path))
            }
        }

        deinit { if fd >= 0 { close(fd) } }

        /// Exactly the bytes at `range` of the WAV (an even count of them).
        /// - Throws: ``CodecError/Code/storage`` when the file ends before them.
        func bytes(_ range: Range<Int64>) throws(CodecError) -> [UInt8] {
            var bytes: [UInt8]
            if flac != nil || wavPack != nil {
                let frames = Int(range.count / 2)
                bytes = []
                bytes.reserveCapacity(frames * 2)
                while bytes.count < frames * 2 {
                    let wanted = frames - bytes.count / 2
                    let read = try flac?.read(maxFrames: wanted, into: &samples) ?? wavPack?.read(maxFrames: wanted, into: &samples) ?? 0
                    if read == 0 { break }
                    for sample in samples.prefix(read) {
                        let value = UInt16(truncatingIfNeeded: sample)
                        bytes.append(UInt8(truncatingIfNeeded: value))
                        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
                    }
                }
            } else {
                bytes = try SourceFile.bytes(of: fd, range, file: path)
            }
            guard Int64(bytes.count) == range.count else {
                throw CodecError(.storage, "the file ended while it was read (\(range.lowerBound + Int64(bytes.count)) of \(range.upperBound) bytes of its data)", file: path)
            }
            return bytes
        }
    }

    /// Hands `raw` (the file's bytes from `position`) to `body` as audio and markers.
    private static func split(_ raw: UnsafeRawBufferPointer, at position: Int64, _ body: (Piece) throws(CodecError) -> Void) throws(CodecError) {
        var audioStart = 0, offset = 0
        while offset < raw.count {
            let length = min(blockBytes, raw.count - offset)
            if length == blockBytes, (position + Int64(offset)) % Int64(blockBytes) == 0,
               let blocks = markedBlocks(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])) {
                if audioStart < offset { try body(.audio(UnsafeRawBufferPointer(rebasing: raw[audioStart..<offset]))) }
                try body(.silence(blocks: blocks))
                audioStart = offset + length
            }
            offset += length
        }
        if audioStart < raw.count { try body(.audio(UnsafeRawBufferPointer(rebasing: raw[audioStart...]))) }
    }

    /// N when the block is a marker (32 samples of +1 or -1 with N's bits, N > 0, then 224 zeros),
    /// as AudioMoth-Utils' expander reads one; nil for audio.
    private static func markedBlocks(_ block: UnsafeRawBufferPointer) -> Int64? {
        var blocks: Int64 = 0
        for i in 0..<Int(samplesPerBlock) {
            let sample = Int16(littleEndian: block.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
            if i < 32 {
                if sample == 1 { blocks |= 1 << i } else if sample != -1 { return nil }
            } else if sample != 0 {
                return nil
            }
        }
        return blocks > 0 ? blocks : nil
    }
}
