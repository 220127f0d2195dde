import CodecCore

extension Opus {
    /// Where a fresh decoder may start in a stream with SILK or hybrid packets so that, from a
    /// known sample on, its output equals the continuous decode within one 16-bit LSB.
    ///
    /// SILK's long-term prediction runs on its own past output, so in voiced sound a decoder
    /// started mid-stream can stay tens of LSB off for seconds: no fixed pre-roll is exact, and
    /// libopusfile's own seeking has the same limit. Instead the indexer measures: it decodes the
    /// stream once continuously and starts a fresh decoder at a packet every ``spacing`` samples;
    /// each runs beside the continuous one until their outputs agree within one LSB for
    /// ``agreementRun`` samples in a row. The first sample of that run is where the restart is
    /// exact (``exactFrom``). A fresh decoder that has not converged after ``giveUpAfter`` is
    /// dropped. The stream start is always a restart point (a new decoder is the continuous one).
    public struct RestartPoint: Sendable, Equatable {
        /// Decoded samples from the stream start (pre-skip included) of the packet to start at.
        public let start: Int64
        /// From this decoded sample on, a decoder started at ``start`` matches the continuous decode.
        public let exactFrom: Int64
    }

    /// What the measurement found: the restart points, and for the fresh decoders that never
    /// converged, the largest difference from the continuous decode they still had (in LSB at 16
    /// bits) over their last ``RestartPointSearch/agreementRun`` samples.
    public struct RestartPointReport: Sendable, Equatable {
        public var points: [RestartPoint]
        public var unconverged: Int
        public var unconvergedWorstLSB: Double
    }

    /// The measurement of ``RestartPoint``s.
    public struct RestartPointSearch: Sendable {
        /// Decoded samples between the packets fresh decoders start at.
        public var spacing: Int64
        /// Samples in a row that must agree before a restart counts as exact.
        public var agreementRun: Int64
        /// Decoded samples after which a fresh decoder that has not converged is dropped.
        public var giveUpAfter: Int64
        /// Fresh decoders running at once (the oldest is dropped when a new one starts).
        public var maximumActive: Int

        /// 2 s spacing, 0.5 s of agreement, give up after 8 s: at most 4 fresh decoders run
        /// beside the continuous one, so indexing decodes the stream at most 5 times.
        public static func standard(decodeRate: Int) -> RestartPointSearch {
            RestartPointSearch(
                spacing: Int64(2 * decodeRate), agreementRun: Int64(decodeRate / 2), giveUpAfter: Int64(8 * decodeRate), maximumActive: 4)
        }

        /// One sample step at 16 bits: the agreement bound.
        static let tolerance: Float = 1.0 / 32768

        /// Measures the restart points of the stream `reader` reads (its index must be complete).
        /// Streams of CELT-only packets need none (their pre-roll is exact) and get an empty list.
        /// Memory: one window of packets and the fresh decoders' output for one packet each.
        public func run(over reader: RecordingReader) throws(CodecError) -> RestartPointReport {
            let end = reader.totalSamples + reader.timing.preSkip
            let window = Int64(10 * reader.timing.decodeRate)
            guard try Self.hasSILKOrHybridPackets(reader, end: end, window: window) else {
                return RestartPointReport(points: [], unconverged: 0, unconvergedWorstLSB: 0)
            }
            let continuous = try PacketDecoder(head: reader.head, decodeRate: reader.timing.decodeRate)
            var fresh: [(start: Int64, decoder: PacketDecoder, agreeing: Int64, runStart: Int64, recentWorst: Float)] = []
            var unconverged = 0
            var unconvergedWorst: Float = 0
            var points: [RestartPoint] = [RestartPoint(start: 0, exactFrom: 0)]
            var nextStart = spacing
            var position: Int64 = 0
            let channels = reader.channelCount
            while position < end {
                let before = position
                // A damaged stretch ends the measurement: the points before it stay valid.
                guard let packets = try Self.packets(reader, from: position, to: min(end, position + window)) else { break }
                for packet in packets where packet.position >= position {
                    if packet.position >= nextStart {
                        nextStart = packet.position + spacing
                        if fresh.count >= maximumActive {
                            unconverged += 1
                            unconvergedWorst = max(unconvergedWorst, fresh.removeFirst().recentWorst)
                        }
                        fresh.append((packet.position, try PacketDecoder(head: reader.head, decodeRate: reader.timing.decodeRate), 0, packet.position, 0))
                    }
                    let expected = Array(try continuous.decode(packet.bytes, at: packet.pageOffset))
                    let frames = Int64(expected.count / channels)
                    var finished: [Int] = []
                    for k in fresh.indices {
                        let decoded = try fresh[k].decoder.decode(packet.bytes, at: packet.pageOffset)
                        let difference = decoded.count == expected.count ? zip(decoded, expected).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } : .infinity
                        if packet.end - fresh[k].start > giveUpAfter - agreementRun { fresh[k].recentWorst = max(fresh[k].recentWorst, difference) }
                        if difference <= Self.tolerance {
                            if fresh[k].agreeing == 0 { fresh[k].runStart = packet.position }
                            fresh[k].agreeing += frames
                        } else {
                            fresh[k].agreeing = 0
                        }
                        if fresh[k].agreeing >= agreementRun {
                            points.append(RestartPoint(start: fresh[k].start, exactFrom: fresh[k].runStart))
                            finished.append(k)
                        } else if packet.end - fresh[k].start > giveUpAfter {
                            unconverged += 1
                            unconvergedWorst = max(unconvergedWorst, fresh[k].recentWorst)
                            finished.append(k)
                        }
                    }
                    for k in finished.reversed() { fresh.remove(at: k) }
                    position = packet.end
                }
                if position == before { break }  // no packet advanced: the index ends early
            }
            return RestartPointReport(
                points: points.sorted { $0.start < $1.start }, unconverged: unconverged, unconvergedWorstLSB: Double(unconvergedWorst) * 32768)
        }

        /// The packets of `from..<to`; nil where the stream is damaged.
        private static func packets(_ reader: RecordingReader, from: Int64, to: Int64) throws(CodecError) -> [RecordingReader.TimedPacket]? {
            do {
                return try reader.packets(from: from, to: to)
            } catch where error.code == .corrupt {
                return nil
            }
        }

        /// Whether any packet of any stream is SILK or hybrid (read from the TOC bytes; nothing decoded).
        static func hasSILKOrHybridPackets(_ reader: RecordingReader, end: Int64, window: Int64) throws(CodecError) -> Bool {
            var position: Int64 = 0
            while position < end {
                let before = position
                guard let packets = try Self.packets(reader, from: position, to: min(end, position + window)) else { return false }
                for packet in packets where packet.position >= position {
                    if Opus.streamUsesCELTOnly(packet.bytes, streamCount: reader.head.streamCount).contains(where: { $0 == false }) { return true }
                    position = packet.end
                }
                if position == before { break }
            }
            return false
        }
    }
}
