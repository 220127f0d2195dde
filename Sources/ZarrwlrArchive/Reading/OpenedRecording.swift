import CodecCore
import ZarrStore

/// A recording's reader as the archive hands it out: the codec's reader, whose failures it tells
/// apart when the recording is no longer in the archive. A reader stays open across a `delete`
/// by another process (a data loader's, a server's); its next read then fails on the removed
/// blob, which alone reads as damage ("cannot read blob bytes", corrupt data) and would send its
/// user to `verify` over an archive that is fine. Such a failure becomes
/// ``CodecError/Code/noInput``: the recording was deleted while open.
struct OpenedRecording: RecordingReader {
    let reader: any RecordingReader
    let id: String
    /// The recording's group, which a delete removes.
    let group: ZarrGroup

    var totalSamples: Int64 { reader.totalSamples }
    var sampleRate: Int { reader.sampleRate }
    var channelCount: Int { reader.channelCount }
    var bitsPerSample: Int { reader.bitsPerSample }
    var isFloat: Bool { reader.isFloat }

    func extract(_ range: Range<Int64>, as format: SampleFormat) throws(CodecError) -> PCMBuffer {
        do { return try reader.extract(range, as: format) } catch { throw told(error) }
    }

    func extract(_ range: Range<Int64>, as format: SampleFormat, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        do { try reader.extract(range, as: format, into: destination) } catch { throw told(error) }
    }

    func extract(_ range: Range<Int64>, as format: SampleFormat, runFrames: Int, _ body: (PCMBuffer) throws(CodecError) -> Void) throws(CodecError) {
        do { try reader.extract(range, as: format, runFrames: runFrames, body) } catch { throw told(error) }
    }

    /// `error`, or the deletion when the store no longer holds the recording (an argument error
    /// is never about the store, and passes as it is).
    private func told(_ error: CodecError) -> CodecError {
        guard error.code != .invalidArgument, (try? ZarrGroup.open(in: group.store, at: group.path)) == nil else { return error }
        return CodecError(.noInput, "the recording was deleted from the archive while it was open for reading", underlying: error, recording: id)
    }
}
