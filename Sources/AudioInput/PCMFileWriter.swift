internal import CSndfile
import CodecCore

/// Writes interleaved PCM to a WAV, RF64 or FLAC file with libsndfile. Integer samples are
/// written at the given bit depth, floats as 32-bit float WAV.
///
/// A WAV's sizes are 32-bit: libsndfile writes past 4 GiB without a word and its header then
/// states a fraction of the audio, so a WAV here refuses samples past that size, and a file that
/// may hold more is RF64 (``Container/wav(frames:channelCount:bitsPerSample:)`` picks it).
public final class PCMFileWriter {
    public enum Container: Sendable {
        /// RIFF WAVE: at most ``PCMFileWriter/wavDataLimit`` bytes of samples.
        case wav
        /// RF64 (EBU Tech 3306), which libsndfile writes as a plain WAV (with a JUNK chunk
        /// where ds64 would go) when the file ends up small enough.
        case rf64
        case flac

        /// WAV for `frames` frames of `channelCount` samples of `bitsPerSample` bits (nil: 32-bit
        /// floats) that fit in a WAV, else RF64; RF64 too when the frames are not known (nil or negative).
        public static func wav(frames: Int64?, channelCount: Int, bitsPerSample: Int?) -> Container {
            guard let frames, frames >= 0 else { return .rf64 }
            let bytes = frames.multipliedReportingOverflow(by: Int64(channelCount) * Int64(PCMFileWriter.bytesPerSample(bitsPerSample)))
            return !bytes.overflow && bytes.partialValue <= PCMFileWriter.wavDataLimit ? .wav : .rf64
        }
    }

    /// The most bytes of samples a WAV written here holds: 4 GiB less room for its header and chunks.
    public static let wavDataLimit: Int64 = Int64(UInt32.max) - (1 << 20)

    private let handle: OpaquePointer
    private let path: String
    private let bitsPerSample: Int
    private let container: Container
    /// Bytes of samples written so far.
    private var dataBytes: Int64 = 0
    /// The most bytes of samples a WAV takes here (``wavDataLimit``; smaller in tests).
    var dataLimit = PCMFileWriter.wavDataLimit

    /// The bytes a sample takes at `bitsPerSample` (nil: a 32-bit float).
    static func bytesPerSample(_ bitsPerSample: Int?) -> Int { ((bitsPerSample ?? 32) + 7) / 8 }

    /// Provenance written into the file before its audio.
    public struct Provenance: Sendable {
        /// The text of a GUANO chunk ("GUANO|Version: 1.0" and "Key: value" lines): a `guan`
        /// chunk in WAV; in FLAC the COMMENT tag.
        public var guano: String
        /// ISO 8601 instant of the first sample: FLAC's DATE tag.
        public var timestamp: String?

        public init(guano: String, timestamp: String?) {
            self.guano = guano
            self.timestamp = timestamp
        }
    }

    /// Creates (or replaces) `path`.
    /// - Parameter bitsPerSample: 8, 16, 24 or 32 for integer samples; ignored for float buffers
    ///   (pass `nil`).
    public init(
        path: String, container: Container, sampleRate: Int, channelCount: Int, bitsPerSample: Int?, provenance: Provenance? = nil
    ) throws(CodecError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channelCount)
        let major = switch container {
        case .wav: SF_FORMAT_WAV
        case .rf64: SF_FORMAT_RF64
        case .flac: SF_FORMAT_FLAC
        }
        let subtype: Int32
        switch bitsPerSample {
        case nil: subtype = Int32(SF_FORMAT_FLOAT)
        case 8?: subtype = Int32(container == .flac ? SF_FORMAT_PCM_S8 : SF_FORMAT_PCM_U8)
        case 16?: subtype = Int32(SF_FORMAT_PCM_16)
        case 24?: subtype = Int32(SF_FORMAT_PCM_24)
        default: subtype = Int32(SF_FORMAT_PCM_32)
        }
        info.format = Int32(major) | subtype
        guard sf_format_check(&info) != 0 else {
            throw CodecError(.unsupported, "libsndfile cannot write \(container) with \(bitsPerSample.map { "\($0)-bit" } ?? "float") samples at \(sampleRate) Hz", file: path)
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw CodecError(.cannotCreate, "cannot create: \(String(cString: sf_strerror(nil)))", file: path)
        }
        self.handle = handle
        self.path = path
        self.bitsPerSample = bitsPerSample ?? 32
        self.container = container
        if container == .rf64 { sf_command(handle, Int32(SFC_RF64_AUTO_DOWNGRADE), nil, Int32(SF_TRUE)) }
        // Float samples are full scale -1...1 (libsndfile's default, set explicitly).
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        if let provenance { try write(provenance, container: container) }
    }

    /// Adds the provenance before any audio (libsndfile takes chunks and tags only then).
    private func write(_ provenance: Provenance, container: Container) throws(CodecError) {
        var status: Int32 = 0
        switch container {
        case .wav, .rf64:
            // The chunk's data padded to an even size with NULs, as RIFF wants.
            var bytes = Array(provenance.guano.utf8)
            if bytes.count % 2 == 1 { bytes.append(0) }
            // libsndfile reads the data when it closes the file: it lives until then (`chunkData`).
            let data = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            data.copyBytes(from: bytes)
            chunkData = data
            var chunk = SF_CHUNK_INFO()
            withUnsafeMutableBytes(of: &chunk.id) { id in
                for (k, byte) in "guan".utf8.enumerated() { id[k] = byte }
            }
            chunk.id_size = 4
            chunk.datalen = UInt32(bytes.count)
            chunk.data = data.baseAddress
            status = sf_set_chunk(handle, &chunk)
        case .flac:
            status = sf_set_string(handle, Int32(SF_STR_COMMENT), provenance.guano)
            if status == 0, let timestamp = provenance.timestamp { status = sf_set_string(handle, Int32(SF_STR_DATE), timestamp) }
        }
        guard status == 0 else {
            throw CodecError(.cannotCreate, "cannot write the provenance: \(String(cString: sf_error_number(status)))", file: path)
        }
    }

    private var closed = false
    /// A chunk's data that libsndfile holds a pointer to until the file is closed.
    private var chunkData: UnsafeMutableRawBufferPointer?

    deinit {
        if !closed { sf_close(handle) }
        chunkData?.deallocate()
    }

    /// Completes the file (header sizes) and closes it, reporting a failure (a full disk).
    public func close() throws(CodecError) {
        guard !closed else { return }
        closed = true
        let status = sf_close(handle)
        chunkData?.deallocate()
        chunkData = nil
        guard status == 0 else {
            throw CodecError(.storage, "cannot complete the file: \(String(cString: sf_error_number(status)))", file: path)
        }
    }

    /// Appends a buffer (int32 = native values at the writer's depth, int16, or float32).
    /// - Throws: ``CodecError/Code/unsupported`` when a WAV would hold more than ``wavDataLimit``
    ///   bytes of samples (nothing of the buffer is written), ``CodecError/Code/storage`` when writing fails.
    public func write(_ buffer: PCMBuffer) throws(CodecError) {
        let frames = sf_count_t(buffer.frameCount)
        if container == .wav {
            let bytes = Int64(buffer.frameCount) * Int64(buffer.channelCount) * Int64(Self.bytesPerSample(bitsPerSample))
            guard dataBytes + bytes <= dataLimit else {
                throw CodecError(.unsupported, "more than \(dataLimit) bytes of samples, which a WAV's 32-bit sizes cannot state: write RF64 (or FLAC) instead", file: path)
            }
            dataBytes += bytes
        }
        let written: sf_count_t
        switch buffer.samples {
        case .int16(let samples): written = samples.withUnsafeBufferPointer { sf_writef_short(handle, $0.baseAddress, frames) }
        case .float32(let samples): written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, frames) }
        case .int32(let samples):
            // libsndfile's int API is left-justified 32-bit.
            let shift = Int32(32 - bitsPerSample)
            let justified = shift > 0 ? samples.map { $0 << shift } : samples
            written = justified.withUnsafeBufferPointer { sf_writef_int(handle, $0.baseAddress, frames) }
        }
        guard written == frames else {
            throw CodecError(.storage, "write failed: \(String(cString: sf_strerror(handle)))", file: path)
        }
    }
}
