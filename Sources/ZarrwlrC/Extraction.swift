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

    /// int32 samples of a `bitsPerSample`-bit recording made full scale (left-justified), as
    /// soundfile and `aimport extract --format s32` give them: the one int32 convention of the
    /// C ABI and Python. The library's own int32 is the coded value.
    static func fullScale(_ buffer: UnsafeMutableRawBufferPointer, bitsPerSample: Int) {
        guard (1..<32).contains(bitsPerSample) else { return }
        let shift = Int32(32 - bitsPerSample)
        for k in buffer.bindMemory(to: Int32.self).indices { buffer.bindMemory(to: Int32.self)[k] <<= shift }
    }
}
