import CodecCore
import ZarrStore

extension WavPack {
    /// Holds a 1:1 copy's index to libwavpack's decode of the whole stream from its start, as
    /// `wvunpack` does (the truth rule): when libwavpack decodes it without error, every sample
    /// the archive extracts through its index must equal libwavpack's, and the totals must agree,
    /// or the import is refused rather than stored as a different recording. Streams piece by
    /// piece: memory is one read piece and two runs of `chunkFrames` samples.
    enum StreamDecodeCheck {
        /// The facts to record (`stream_check`) and the warnings.
        struct Result {
            let description: JSONValue
            let warnings: [String]
        }

        static func run(over blob: BlobReader, reader: RecordingReader, file: String) throws(CodecError) -> Result {
            let decoder = try FrameDecoder(streamIn: blob)
            let channels = decoder.channelCount
            guard channels == reader.channelCount else {
                throw refusal("libwavpack decodes \(channels) channels, the index has \(reader.channelCount)", file: file)
            }
            let chunkFrames = max(4096, (1 << 20) / max(channels, 1))
            var reference: [Int32] = []
            var decoded: Int64 = 0
            var firstDifference: String?
            while true {
                let got = decoder.decodeNext(chunkFrames, into: &reference)
                if let failure = decoder.readFailure { throw failure }
                if got == 0 { break }
                let range = decoded..<decoded + Int64(got)
                defer { decoded += Int64(got) }
                guard firstDifference == nil, decoder.errorCount == 0 else { continue }
                guard range.upperBound <= reader.totalSamples else {
                    firstDifference = "libwavpack decodes samples beyond the index's \(reader.totalSamples)"
                    continue
                }
                do {
                    let ours = try reader.extractNative(range)
                    if !ours.elementsEqual(reference.prefix(got * channels)) {
                        firstDifference = "samples \(range.lowerBound)..<\(range.upperBound) differ from libwavpack's decode"
                    }
                } catch {
                    firstDifference = "samples \(range.lowerBound)..<\(range.upperBound) cannot be extracted through the index (\(error.message))"
                }
            }
            let errors = decoder.errorCount
            if errors == 0 {
                if let firstDifference { throw refusal(firstDifference, file: file) }
                if decoded != reader.totalSamples {
                    throw refusal("libwavpack decodes \(decoded) samples, the index holds \(reader.totalSamples)", file: file)
                }
            }
            var warnings: [String] = []
            if errors > 0 {
                warnings.append("libwavpack reports \(errors) decoding errors: the stream is damaged; samples in damaged frames cannot be extracted")
            }
            let description: JSONValue = [
                "reference": .string("libwavpack " + WavPackLibrary.version), "samples": .int(decoded),
                "decoding_errors": .int(Int64(errors)), "equal_to_reference": .bool(errors == 0),
            ]
            return Result(description: description, warnings: warnings)
        }

        private static func refusal(_ difference: String, file: String) -> CodecError {
            CodecError(.unsupported, "the archive cannot index this WavPack stream as libwavpack decodes it (\(difference)); refused rather than stored as a different recording", codec: WavPack.codecID, file: file)
        }
    }
}
