import CodecCore

extension FLAC {
    /// Gives a frame of a fixed-block-size stream another frame number (RFC 9639 §9.1.5): the
    /// coded number is rewritten, the header's CRC-8 computed anew and the frame's CRC-16 updated. The
    /// subframes are not touched. This is how frames encoded by separate libFLAC encoders take
    /// their place in one stream.
    enum FrameNumbering {
        /// The largest frame number a header can code (31 bits).
        static let maximumFrameNumber = 0x7FFF_FFFF

        /// Appends `frame` (a whole frame as libFLAC wrote it) to `output` with frame number
        /// `number`.
        static func append(_ frame: UnsafeRawBufferPointer, renumberedTo number: Int, to output: inout [UInt8]) throws(CodecError) {
            guard case .success(let parsed) = FrameHeader.parse(frame, sampleNumbersWithoutStrategyBit: false),
                  !parsed.isVariableBlockSize, frame.count >= parsed.length + 2 else {
                throw CodecError(.library, "libFLAC wrote a frame this cannot renumber", codec: FLAC.codecID)
            }
            guard (0...maximumFrameNumber).contains(number) else {
                throw CodecError(.unsupported, "the stream needs more than 2^31 frames; use a larger block size", codec: FLAC.codecID)
            }
            if parsed.codedNumber == UInt64(number) {
                output.append(contentsOf: frame)
                return
            }
            let oldNumberLength = codedLength(of: frame[4])
            var header = Array(frame[0..<4])
            header.append(contentsOf: coded(number))
            // Uncommon block size and sample rate bytes, then the new CRC-8.
            header.append(contentsOf: frame[(4 + oldNumberLength)..<(parsed.length - 1)])
            header.append(header.withUnsafeBytes { CRC.crc8($0) })
            // The subframes and padding are kept; the CRC-16 follows from the old one.
            let body = frame[parsed.length..<(frame.count - 2)]
            let stored = UInt16(frame[frame.count - 2]) << 8 | UInt16(frame[frame.count - 1])
            let crc16 = header.withUnsafeBytes { new in
                CRC.crc16(replacingHeader: UnsafeRawBufferPointer(rebasing: frame[0..<parsed.length]), with: new, inFrameWith: stored, bodyBytes: body.count)
            }
            output.append(contentsOf: header)
            output.append(contentsOf: body)
            output.append(UInt8(crc16 >> 8))
            output.append(UInt8(crc16 & 0xFF))
        }

        /// The bytes of a coded number that starts with `lead` (a valid lead byte).
        static func codedLength(of lead: UInt8) -> Int {
            switch lead {
            case 0x00...0x7F: 1
            case 0xC0...0xDF: 2
            case 0xE0...0xEF: 3
            case 0xF0...0xF7: 4
            case 0xF8...0xFB: 5
            case 0xFC...0xFD: 6
            default: 7
            }
        }

        /// `number` (0...2^31-1) in the UTF-8-like coding of frame numbers.
        static func coded(_ number: Int) -> [UInt8] {
            if number < 0x80 { return [UInt8(number)] }
            // Continuation bytes carry 6 bits each; the lead byte has (7 - length) bits left.
            let length = switch number {
            case ..<0x800: 2
            case ..<0x1_0000: 3
            case ..<0x20_0000: 4
            case ..<0x400_0000: 5
            default: 6
            }
            var bytes = [UInt8](repeating: 0, count: length)
            var rest = number
            for i in stride(from: length - 1, to: 0, by: -1) {
                bytes[i] = 0x80 | UInt8(rest & 0x3F)
                rest >>= 6
            }
            let leadMarker = UInt8(truncatingIfNeeded: 0xFF00 >> length)
            bytes[0] = leadMarker | UInt8(rest)
            return bytes
        }
    }
}
