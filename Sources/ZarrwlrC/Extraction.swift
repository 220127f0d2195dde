import CodecCore
import Foundation

/// Extraction into a caller's buffer, checked against its size.
enum Extraction {
    /// A caller's buffer address. Sendable because each is written by exactly one extraction
    /// task, while the C caller waits for all of them (`zw_reader_read_many` blocks).
    struct Address: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer?
        init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }
    }

    struct Job: Sendable {
        let range: Range<Int64>
        let out: Address
        let capacity: Int64
    }

    static func format(_ dtype: Int32) -> SampleFormat? {
        switch dtype {
        case 0: .int16
        case 1: .int32
        case 2: .float32
        default: nil
        }
    }

    static func read(_ box: ReaderBox, _ range: Range<Int64>, dtype: Int32, into out: UnsafeMutableRawPointer?, capacity: Int64) throws(CodecError) {
        guard let format = format(dtype) else { throw CodecError(.invalidArgument, "dtype must be int16, int32 or float32") }
        let (bytes, overflow) = Int64(range.count).multipliedReportingOverflow(by: Int64(box.reader.channelCount * format.bytesPerSample))
        guard !overflow, let out, capacity >= bytes else {
            throw CodecError(.invalidArgument, "the buffer holds \(capacity) bytes, \(range.count) frames need \(bytes)")
        }
        let buffer = UnsafeMutableRawBufferPointer(start: out, count: Int(bytes))
        try box.reader.extract(range, as: format, into: buffer)
        if format == .int32 { fullScale(buffer, bitsPerSample: box.reader.bitsPerSample) }
    }

    /// The int32 samples in `buffer` made full scale (``PCMBuffer/leftJustify(_:bitsPerSample:)``):
    /// the one int32 convention of the C ABI and Python. The library's own int32 is the coded value.
    static func fullScale(_ buffer: UnsafeMutableRawBufferPointer, bitsPerSample: Int) {
        PCMBuffer.leftJustify(buffer.bindMemory(to: Int32.self), bitsPerSample: bitsPerSample)
    }
}
