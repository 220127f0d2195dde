import CodecCore
import ZarrStore

extension Opus {
    /// Decoders kept between the extractions of one recording: resetting a warm libopus
    /// decoder is cheaper than creating one and touching its fresh memory. Holds at most as
    /// many decoders as extractions ever ran at once.
    final class DecoderPool: Sendable {
        private let idle = ForkSafeMutex<[PacketDecoder]>([])
        private let head: Head
        private let decodeRate: Int

        init(head: Head, decodeRate: Int) {
            self.head = head
            self.decodeRate = decodeRate
        }

        /// Runs `body` with a decoder in the state of a new one, then keeps the decoder.
        func withDecoder<Result>(_ body: (PacketDecoder) throws(CodecError) -> Result) throws(CodecError) -> Result {
            let decoder: PacketDecoder
            if let idleDecoder = idle.withLock({ $0.popLast() }) {
                idleDecoder.reset()
                decoder = idleDecoder
            } else {
                decoder = try PacketDecoder(head: head, decodeRate: decodeRate)
            }
            defer { idle.withLock { $0.append(decoder) } }
            return try body(decoder)
        }
    }
}
