internal import COgg
internal import COpus
import Foundation

/// The two references the Opus benchmark compares extraction with.
enum OpusReferenceDecoders {
    /// The bare decoding cost: packets already split (by libogg) and in memory, one libopus
    /// decoder reset and fed pre-roll plus the segment.
    final class Floor {
        private let decoder: OpaquePointer
        /// Packets after the two headers, with their start positions (48 kHz units, pre-skip included).
        let packets: [(start: Int, data: [UInt8])]
        let preSkip: Int
        private var output = [Float](repeating: 0, count: 5760)

        init(file: String) throws {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            var sync = ogg_sync_state()
            ogg_sync_init(&sync)
            defer { ogg_sync_clear(&sync) }
            let buffer = ogg_sync_buffer(&sync, data.count)!
            data.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: data.count) }
            ogg_sync_wrote(&sync, data.count)
            var page = ogg_page(), stream = ogg_stream_state(), packet = ogg_packet()
            var started = false
            var all: [[UInt8]] = []
            while ogg_sync_pageout(&sync, &page) == 1 {
                if !started { ogg_stream_init(&stream, ogg_page_serialno(&page)); started = true }
                ogg_stream_pagein(&stream, &page)
                while ogg_stream_packetout(&stream, &packet) == 1 { all.append(Array(UnsafeBufferPointer(start: packet.packet, count: packet.bytes))) }
            }
            if started { ogg_stream_clear(&stream) }
            preSkip = Int(all[0][10]) | Int(all[0][11]) << 8
            var position = 0
            packets = all.dropFirst(2).map { data in
                defer {
                    position += Int(data.withUnsafeBufferPointer { bytes in
                        bytes.baseAddress.map { opus_packet_get_nb_samples($0, Int32(bytes.count), 48_000) } ?? 0
                    })
                }
                return (position, data)
            }
            var error: Int32 = 0
            decoder = opus_decoder_create(48_000, 1, &error)!
        }

        deinit { opus_decoder_destroy(decoder) }

        /// The packets from `preRoll` before `start` (samples after pre-skip) to `start + count`.
        func window(start: Int, count: Int, preRoll: Int) -> ArraySlice<(start: Int, data: [UInt8])> {
            let from = start + preSkip - preRoll, to = start + preSkip + count
            let first = max(0, (packets.lastIndex { $0.start <= from }) ?? 0)
            let last = packets.firstIndex { $0.start >= to } ?? packets.count
            return packets[first..<last]
        }

        /// Resets the decoder and decodes `packets`.
        func decode(_ packets: ArraySlice<(start: Int, data: [UInt8])>) {
            _ = copus_decoder_reset(decoder)
            for packet in packets {
                _ = packet.data.withUnsafeBufferPointer { data in
                    output.withUnsafeMutableBufferPointer { opus_decode_float(decoder, data.baseAddress, Int32(data.count), $0.baseAddress!, 5760, 0) }
                }
            }
        }
    }

    /// libopusfile on the plain .opus file: what users have today.
    final class OpusFile {
        private let file: OpaquePointer

        init(path: String) throws {
            var error: Int32 = 0
            guard let file = op_open_file(path, &error) else { throw BenchmarkError("op_open_file failed (\(error))") }
            self.file = file
        }

        deinit { op_free(file) }

        /// The first `count` samples per channel of a continuous decode from the stream start.
        func continuous(count: Int) -> [Float] {
            read(start: 0, count: count)
        }

        /// `count` samples per channel from `start` via op_pcm_seek + op_read_float, read
        /// straight into the (interleaved) result.
        func read(start: Int64, count: Int) -> [Float] {
            op_pcm_seek(file, start)
            let channels = Int(op_channel_count(file, -1))
            return [Float](unsafeUninitializedCapacity: count * channels) { buffer, written in
                while written < count * channels {
                    let n = op_read_float(file, buffer.baseAddress! + written, Int32(count * channels - written), nil)
                    if n <= 0 { break }
                    written += Int(n) * channels
                }
            }
        }
    }
}
