extension Opus {
    /// The first symbols of a CELT frame (RFC 6716 §4.3, Table 56): enough to tell whether the
    /// frame depends on the frames before it. An intra frame codes its band energies without
    /// prediction from the previous frame, and without the pitch post-filter the decoder keeps
    /// no comb-filter memory, so such a frame leaves the decoder in the same state however it
    /// was reached (apart from the one-frame overlap and smoothing that the next frames clear).
    struct CELTFrameHeader: Equatable {
        /// A silence frame: all energies at their floor, no post-filter.
        let silence: Bool
        /// The post-filter's pitch period in samples at 48 kHz, 0 when the filter is off.
        let postFilterPeriod: Int
        let transient: Bool
        let intra: Bool

        /// Whether decoding this frame removes the dependence on earlier frames' energies and
        /// post-filter.
        var isIndependent: Bool { silence || (intra && postFilterPeriod == 0) }

        /// Parses the frame's range-coded header; `lm` is log2 of the frame size in 2.5 ms units.
        init(_ frame: ArraySlice<UInt8>, lm: Int) {
            var decoder = RangeDecoder(frame)
            let totalBits = frame.count * 8
            var tell = decoder.tell
            if tell >= totalBits {
                silence = true
            } else if tell == 1 {
                silence = decoder.decodeBit(logp: 15)
            } else {
                silence = false
            }
            tell = decoder.tell
            var period = 0
            if !silence && tell + 16 <= totalBits && decoder.decodeBit(logp: 1) {
                let octave = decoder.decodeUniform(6)
                period = (16 << octave) + Int(decoder.decodeRawBits(4 + octave)) - 1
                _ = decoder.decodeRawBits(3)  // gain
                if decoder.tell + 2 <= totalBits { _ = decoder.decodeICDF([2, 1, 0], bits: 2) }  // tapset
            }
            postFilterPeriod = period
            tell = decoder.tell
            var transient = false
            if !silence && lm > 0 && tell + 3 <= totalBits {
                transient = decoder.decodeBit(logp: 3)
                tell = decoder.tell
            }
            self.transient = transient
            intra = !silence && tell + 3 <= totalBits ? decoder.decodeBit(logp: 3) : false
        }
    }

    /// The Opus range decoder (RFC 6716 §4.1), for the few symbols ``CELTFrameHeader`` reads.
    struct RangeDecoder {
        private let bytes: ArraySlice<UInt8>
        private var offset: Int
        private var endOffset = 0
        private var endWindow: UInt32 = 0
        private var endBits = 0
        private var totalBits: Int
        private var range: UInt32
        private var value: UInt32
        private var remainder: Int
        private var scale: UInt32 = 0

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            offset = bytes.startIndex
            totalBits = 33 - ((32 - 7) / 8) * 8  // EC_CODE_BITS + 1 - whole symbols of EC_CODE_EXTRA
            range = 1 << 7
            remainder = 0
            value = 0
            remainder = Int(nextByte())
            value = range - 1 - UInt32(remainder >> 1)
            normalize()
        }

        /// Bits used so far, rounded up (`ec_tell`).
        var tell: Int { totalBits - (32 - range.leadingZeroBitCount) }

        private mutating func nextByte() -> UInt8 {
            guard offset < bytes.endIndex else { return 0 }
            defer { offset += 1 }
            return bytes[offset]
        }

        private mutating func nextByteFromEnd() -> UInt8 {
            guard endOffset < bytes.count else { return 0 }
            endOffset += 1
            return bytes[bytes.endIndex - endOffset]
        }

        private mutating func normalize() {
            while range <= 1 << 23 {
                totalBits += 8
                range <<= 8
                let previous = remainder
                remainder = Int(nextByte())
                let symbol = (previous << 8 | remainder) >> 1
                value = ((value << 8) &+ UInt32(255 & ~symbol)) & ((1 << 31) - 1)
            }
        }

        /// A bit with probability 1/2^logp of being set (`ec_dec_bit_logp`).
        mutating func decodeBit(logp: Int) -> Bool {
            let threshold = range >> UInt32(logp)
            let set = value < threshold
            if set { range = threshold } else { value -= threshold; range -= threshold }
            normalize()
            return set
        }

        /// A symbol from an inverse cumulative distribution with 2^bits total (`ec_dec_icdf`).
        mutating func decodeICDF(_ icdf: [UInt8], bits: Int) -> Int {
            var s = range
            let r = range >> UInt32(bits)
            var symbol = -1
            var t: UInt32
            repeat {
                t = s
                symbol += 1
                s = r * UInt32(icdf[symbol])
            } while value < s
            value -= s
            range = t - s
            normalize()
            return symbol
        }

        /// An integer uniformly distributed in 0..<total, total ≤ 256 (`ec_dec_uint` without raw bits).
        mutating func decodeUniform(_ total: UInt32) -> Int {
            scale = range / total
            let s = value / scale
            let symbol = total - min(s + 1, total)
            let low = symbol, high = symbol + 1
            let cut = scale * (total - high)
            value -= cut
            range = low > 0 ? scale * (high - low) : range - cut
            normalize()
            return Int(symbol)
        }

        /// Raw bits from the end of the frame (`ec_dec_bits`).
        mutating func decodeRawBits(_ count: Int) -> UInt32 {
            var window = endWindow
            var available = endBits
            if available < count {
                repeat {
                    window |= UInt32(nextByteFromEnd()) << UInt32(available)
                    available += 8
                } while available <= 24
            }
            let result = window & ((1 << UInt32(count)) - 1)
            endWindow = window >> UInt32(count)
            endBits = available - count
            totalBits += count
            return result
        }
    }
}
