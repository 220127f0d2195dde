import CodecCore
import COgg
import COpus
import Foundation
import TestSupport
import ZarrStore
@testable import CodecOpus

/// Makes Opus test files with reference tools and decodes them with libopusfile.
enum OpusFixtures {
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
    static let opusenc = ProcessRunner.which("opusenc") ?? "/usr/bin/opusenc"
    static let ffmpeg = ProcessRunner.which("ffmpeg") ?? "/usr/bin/ffmpeg"

    /// A 48 kHz WAV of a chirp mixed with noise (every page differs), made by sox.
    static func wav(in folder: TemporaryFolder, rate: Int = 48_000, channels: Int, seconds: Double, name: String = "source.wav") throws -> String {
        let path = folder.path + "/" + name
        try ProcessRunner.run(sox, [
            "-R", "-n", "-r", String(rate), "-b", "16", "-c", String(channels), path,
            "synth", String(seconds), "sine", "100-\(min(rate / 3, 16_000))", "synth", String(seconds), "pinknoise", "mix", "vol", "0.5",
        ])
        return path
    }

    /// `wav` encoded by opusenc with extra arguments.
    static func opusenc(_ wav: String, in folder: TemporaryFolder, arguments: [String], name: String = "source.opus") throws -> String {
        let path = folder.path + "/" + name
        try ProcessRunner.run(opusenc, ["--quiet"] + arguments + [wav, path])
        return path
    }

    /// `wav` encoded by ffmpeg's libopus encoder and Ogg muxer.
    static func ffmpegOpus(_ wav: String, in folder: TemporaryFolder, name: String = "ffmpeg.opus") throws -> String {
        let path = folder.path + "/" + name
        try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", wav, "-c:a", "libopus", "-b:a", "96k", path])
        return path
    }

    /// Imports `path` with the Opus backend into a fresh recording group.
    static func importFile(_ path: String, in folder: TemporaryFolder, options: ImportOptions = ImportOptions()) async throws -> (ZarrGroup, ImportReport) {
        let store = FilesystemStore(root: folder.path + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        let report = try await OpusBackend().importToZarr(from: ImportSource.checksummed(path), into: group, options: options)
        return (try ZarrGroup.open(in: store, at: "0"), report)
    }

    /// libopusfile's continuous decode of the whole stream (pre-skip, end trimming and gain
    /// applied, the stream's own channel order): interleaved floats and the channel count.
    static func continuousDecode(_ path: String) throws -> (samples: [Float], channels: Int) {
        var error: Int32 = 0
        guard let file = op_open_file(path, &error) else { throw ReferenceError("op_open_file failed (\(error)) for \(path)") }
        defer { op_free(file) }
        let channels = Int(op_channel_count(file, -1))
        var all: [Float] = []
        var buffer = [Float](repeating: 0, count: 5760 * channels * 2)
        while true {
            let frames = buffer.withUnsafeMutableBufferPointer { op_read_float(file, $0.baseAddress, Int32($0.count), nil) }
            guard frames >= 0 else { throw ReferenceError("op_read_float failed (\(frames))") }
            if frames == 0 { break }
            all += buffer[0..<Int(frames) * channels]
        }
        return (all, channels)
    }

    /// The continuous decode of a stream libopusfile does not open (mapping family 255): libogg
    /// splits pages into packets, libopus's multistream decoder decodes them from the start, and
    /// pre-skip and end trimming come from OpusHead and the last granule position.
    static func continuousDecodeWithLibogg(_ path: String) throws -> (samples: [Float], channels: Int) {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var sync = ogg_sync_state()
        ogg_sync_init(&sync)
        defer { ogg_sync_clear(&sync) }
        let buffer = ogg_sync_buffer(&sync, data.count)!
        data.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        ogg_sync_wrote(&sync, data.count)
        var page = ogg_page()
        var stream = ogg_stream_state()
        var started = false
        var packets: [[UInt8]] = []
        var lastGranule: Int64 = 0
        while ogg_sync_pageout(&sync, &page) == 1 {
            if !started {
                ogg_stream_init(&stream, ogg_page_serialno(&page))
                started = true
            }
            ogg_stream_pagein(&stream, &page)
            if ogg_page_granulepos(&page) >= 0 { lastGranule = ogg_page_granulepos(&page) }
            var packet = ogg_packet()
            while ogg_stream_packetout(&stream, &packet) == 1 {
                packets.append(Array(UnsafeBufferPointer(start: packet.packet, count: packet.bytes)))
            }
        }
        if started { ogg_stream_clear(&stream) }
        let head = packets[0]
        let channels = Int(head[9]), preSkip = Int(head[10]) | Int(head[11]) << 8
        let streams = Int32(head[19]), coupled = Int32(head[20])
        var error: Int32 = 0
        let mapping = Array(head[21..<21 + channels])
        let decoder = mapping.withUnsafeBufferPointer {
            opus_multistream_decoder_create(48_000, Int32(channels), streams, coupled, $0.baseAddress!, &error)
        }
        guard let decoder, error == OPUS_OK else { throw ReferenceError("libopus multistream decoder: \(error)") }
        defer { opus_multistream_decoder_destroy(decoder) }
        var all: [Float] = []
        var out = [Float](repeating: 0, count: 5760 * channels)
        for packet in packets.dropFirst(2) {
            let frames = packet.withUnsafeBufferPointer { data in
                out.withUnsafeMutableBufferPointer { opus_multistream_decode_float(decoder, data.baseAddress, Int32(data.count), $0.baseAddress!, 5760, 0) }
            }
            guard frames >= 0 else { throw ReferenceError("libopus decode failed (\(frames))") }
            all += out[0..<Int(frames) * channels]
        }
        let total = Int(lastGranule) - preSkip
        return (Array(all[preSkip * channels..<(preSkip + total) * channels]), channels)
    }

    /// Writes the recording's blob to a file (the stream as a plain .opus file).
    static func exportBlob(_ group: ZarrGroup, to path: String) throws {
        let blob = try group.array(RecordingLayout.blobArrayName)
        try Data(try blob.readBytes(0..<blob.shape[0])).write(to: URL(fileURLWithPath: path))
    }

    struct ReferenceError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
