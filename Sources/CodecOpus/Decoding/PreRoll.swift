extension Opus {
    /// How an extraction gets the decoder into the state a continuous decode has at the
    /// requested start (docs/BENCHMARKS.md has the measurements behind the defaults).
    ///
    /// Extraction takes the first of these that holds, looking back from the start:
    /// - Every frame of every stream is CELT, intra-coded and without the pitch post-filter
    ///   (prediction disabled, as our import encodes): the decoder state is exact after a few
    ///   frames, so ``independent`` is enough.
    /// - Every packet is CELT-only: CELT state converges geometrically (band energies are
    ///   predicted from the previous frame with a factor of at most 0.5 per 20 ms), so
    ///   ``celtOnly`` is enough.
    ///   Both CELT cases also need two frames that are not transient in each stream, since
    ///   anti-collapse in transient frames uses the energies of the last two that were not; the
    ///   pre-roll grows (up to ``syncLookBack``) until it has them.
    /// - A switch between CELT-only and SILK or hybrid packets in every stream, within
    ///   ``syncLookBack``: libopus resets both decoders there, so a decoder started one packet
    ///   before it is exactly in the continuous decode's state (the stream start counts too).
    ///   SILK state (long-term prediction on the past output) may otherwise not converge for
    ///   seconds in voiced sound.
    /// - For streams with SILK or hybrid packets, the latest ``RestartPoint`` measured at index
    ///   time that is exact by the start (or the mode switch, if that is later).
    /// - Otherwise ``other`` before the start, which can leave SILK and hybrid streams off by
    ///   more than one LSB (only recordings indexed before restart points existed).
    public struct PreRoll: Sendable, Equatable {
        /// Decoded samples when every frame of the pre-roll is independent CELT in every stream.
        public var independent: Int64
        /// Decoded samples when every packet of the pre-roll is CELT-only in every stream.
        public var celtOnly: Int64
        /// Decoded samples when nothing above holds.
        public var other: Int64
        /// How far back (decoded samples) CELT pre-rolls may grow and mode switches are looked
        /// for; 0 turns both off.
        public var syncLookBack: Int64
        /// How far back (decoded samples) an exact restart point of a SILK or hybrid stream may
        /// lie and still be used; 0 turns restart points off.
        public var exactLookBack: Int64

        public init(independent: Int64, celtOnly: Int64, other: Int64, syncLookBack: Int64, exactLookBack: Int64 = 0) {
            self.independent = independent
            self.celtOnly = celtOnly
            self.other = other
            self.syncLookBack = syncLookBack
            self.exactLookBack = exactLookBack
        }

        /// The same pre-roll whatever the packets' modes.
        public static func fixed(seconds: Double, decodeRate: Int) -> PreRoll {
            let samples = Int64(seconds * Double(decodeRate))
            return PreRoll(independent: samples, celtOnly: samples, other: samples, syncLookBack: 0)
        }

        /// The default. Independent CELT frames: 80 ms (the RFC 7845 minimum; 40 ms already gave
        /// identical samples in every measurement). CELT-only: 500 ms; over 68 encodings (opusenc, 24-510 kb/s, 2.5-60 ms
        /// frames, full-scale sawtooth, square, noise, plucks, birds) the worst extraction
        /// differed from the continuous decode by 0.04 LSB, while 400 ms left up to 1.9 LSB.
        /// Otherwise a mode switch up to 5 s back or an exact restart point up to 60 s back
        /// (whichever is later), else 1 s.
        public static func standard(decodeRate: Int) -> PreRoll {
            PreRoll(
                independent: Int64(minimumSeconds * Double(decodeRate)),
                celtOnly: Int64(standardCELTOnlySeconds * Double(decodeRate)),
                other: Int64(decodeRate),
                syncLookBack: Int64(5 * decodeRate),
                exactLookBack: Int64(standardExactLookBackSeconds * Double(decodeRate)))
        }

        /// The restart-point part of ``standard(decodeRate:)``: decoding up to 60 s of SILK
        /// (tens of milliseconds, docs/BENCHMARKS.md) is the price of exactness.
        public static let standardExactLookBackSeconds = 60.0

        /// The CELT-only part of ``standard(decodeRate:)``.
        public static let standardCELTOnlySeconds = 0.5

        /// The RFC 7845 §4.6 minimum: faster, with the measured error documented.
        public static let minimumSeconds = 0.08

        /// Why an extraction decodes from where it does.
        public enum Reason: Sendable, Equatable {
            /// Every frame of the pre-roll is independent CELT (``independent``).
            case independentFrames
            /// Every packet of the pre-roll is CELT-only (``celtOnly``).
            case celtOnly
            /// One packet before the last switch between CELT-only and SILK or hybrid packets.
            case modeSwitch
            /// The stream start: a new decoder is in the continuous decode's state.
            case streamStart
            /// A restart point measured at index time (``RestartPoint``): exact for SILK and hybrid.
            case restartPoint
            /// ``other`` before the start, with no guarantee for SILK and hybrid packets.
            case fixed
        }

        /// The pre-roll an extraction decodes, in decoded samples, and why.
        public struct Choice: Sendable, Equatable {
            public let samples: Int64
            public let reason: Reason
        }
    }
}
