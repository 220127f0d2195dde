import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

// The C ABI of the archive for other languages (the Python package): opaque handles, plain C
// types, 0 on success and -1 with a JSON error in `*error` on failure. Sample buffers are the
// caller's and are filled in place.

public typealias ErrorPointer = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

/// Opens the archive at `path` (a folder or s3://BUCKET/PREFIX); `create` != 0 creates it when missing.
@_cdecl("zw_archive_open")
public func zw_archive_open(_ path: UnsafePointer<CChar>?, _ create: Int32, _ errorOut: ErrorPointer) -> UnsafeMutableRawPointer? {
    guard let path else { ErrorOut.write("no path", to: errorOut); return nil }
    do {
        let text = String(cString: path)
        let archive = create != 0 ? try AudioArchive.openOrCreate(storePath: text) : try AudioArchive.open(storePath: text)
        return Handle.issue(ArchiveBox(archive))
    } catch {
        ErrorOut.write(error, to: errorOut)
        return nil
    }
}

@_cdecl("zw_archive_free")
public func zw_archive_free(_ archive: UnsafeMutableRawPointer?) {
    Handle.release(archive)
}

/// Frees a string or buffer this library returned.
@_cdecl("zw_free")
public func zw_free(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

/// The archive's recordings as a JSON array (what `aimport list --json` prints).
@_cdecl("zw_archive_recordings")
public func zw_archive_recordings(_ handle: UnsafeMutableRawPointer?, _ errorOut: ErrorPointer) -> UnsafeMutablePointer<CChar>? {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return nil }
    do {
        return strdup(String(decoding: JSONValue.array(try archive.recordings().map(\.jsonObject)).serialized(), as: UTF8.self))
    } catch {
        ErrorOut.write(error, to: errorOut)
        return nil
    }
}

/// Recording `id` as a JSON object (one element of `zw_archive_recordings`), read on its own:
/// the cost does not grow with the archive.
@_cdecl("zw_archive_recording")
public func zw_archive_recording(_ handle: UnsafeMutableRawPointer?, _ id: UnsafePointer<CChar>?, _ errorOut: ErrorPointer) -> UnsafeMutablePointer<CChar>? {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return nil }
    guard let id else { ErrorOut.write("give an id", to: errorOut); return nil }
    do {
        return strdup(String(decoding: try archive.summary(String(cString: id)).jsonObject.serialized(), as: UTF8.self))
    } catch {
        ErrorOut.write(error, to: errorOut)
        return nil
    }
}

/// Annotation layer `name` as a JSON array of row objects (`recording`, `start`, `stop` in
/// samples, `label`, `confidence`, `low_hz`, `high_hz`, `channel`, `line`, and the table's extra
/// columns by name; absent values null); `name` NULL: a JSON array of the layer names.
@_cdecl("zw_archive_layer")
public func zw_archive_layer(_ handle: UnsafeMutableRawPointer?, _ name: UnsafePointer<CChar>?, _ errorOut: ErrorPointer) -> UnsafeMutablePointer<CChar>? {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return nil }
    do {
        guard let name else {
            return strdup(String(decoding: JSONValue.array(try archive.layerNames().map(JSONValue.string)).serialized(), as: UTF8.self))
        }
        let layer = try archive.layer(String(cString: name))
        let rows: [JSONValue] = try layer.allRows().map { row in
            var object: [String: JSONValue] = [
                "recording": .string(row.recording), "start": .int(row.samples.lowerBound), "stop": .int(row.samples.upperBound),
                "label": row.label.map(JSONValue.string) ?? .null, "confidence": row.confidence.map(JSONValue.double) ?? .null,
                "low_hz": row.lowHz.map(JSONValue.double) ?? .null, "high_hz": row.highHz.map(JSONValue.double) ?? .null,
                "channel": row.channel.map { JSONValue.int(Int64($0)) } ?? .null, "line": .int(Int64(row.line)),
            ]
            for (column, value) in zip(layer.extraColumns, row.extra) where object[column] == nil { object[column] = .string(value) }
            return .object(object)
        }
        return strdup(String(decoding: JSONValue.array(rows).serialized(), as: UTF8.self))
    } catch {
        ErrorOut.write(error, to: errorOut)
        return nil
    }
}

/// Imports the files of the JSON array `paths` with `codec` (NULL: automatic); returns a JSON
/// array of `{file, status, id, error}`.
@_cdecl("zw_archive_import")
public func zw_archive_import(
    _ handle: UnsafeMutableRawPointer?, _ paths: UnsafePointer<CChar>?, _ codec: UnsafePointer<CChar>?, _ errorOut: ErrorPointer
) -> UnsafeMutablePointer<CChar>? {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return nil }
    guard let paths, let list = try? JSONValue(parsing: Array(String(cString: paths).utf8)).arrayValue else {
        ErrorOut.write("give a JSON array of paths", to: errorOut)
        return nil
    }
    let files = list.compactMap(\.stringValue)
    guard files.count == list.count else {
        ErrorOut.write("give a JSON array of paths (strings only)", to: errorOut)
        return nil
    }
    // A path is a C string for the system: one with a NUL in it would name what comes before.
    guard !files.contains(where: { $0.utf8.contains(0) }) else {
        ErrorOut.write("give a JSON array of paths without NUL characters", to: errorOut)
        return nil
    }
    let codecID = codec.map { CodecID(String(cString: $0)) }
    let outcome = Blocking.run { () async throws(CodecError) -> String in
        let outcomes = await archive.importFiles(files.map { AudioArchive.ImportRequest(path: $0) }, choices: AudioArchive.ImportChoices(codec: codecID))
        let results: [JSONValue] = zip(files, outcomes).map { file, outcome in
            switch outcome {
            case .success(.imported(let id, let report)):
                ["file": .string(file), "status": "imported", "id": .string(id), "warnings": .array(report.warnings.map(JSONValue.string))]
            case .success(.duplicate(let id)): ["file": .string(file), "status": "duplicate", "id": .string(id)]
            case .failure(let error): ["file": .string(file), "status": "failed", "error": .string(error.description), "code": .string(error.code.description)]
            }
        }
        return String(decoding: JSONValue.array(results).serialized(), as: UTF8.self)
    }
    switch outcome {
    case .success(let text): return strdup(text)
    case .failure(let failure): ErrorOut.write(failure, to: errorOut); return nil
    }
}

/// Opens recording `id` for reading (loads its index once).
@_cdecl("zw_reader_open")
public func zw_reader_open(_ handle: UnsafeMutableRawPointer?, _ id: UnsafePointer<CChar>?, _ errorOut: ErrorPointer) -> UnsafeMutableRawPointer? {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return nil }
    guard let id else { ErrorOut.write("give an id", to: errorOut); return nil }
    let text = String(cString: id)
    do {
        return Handle.issue(ReaderBox(try archive.reader(for: text), id: text))
    } catch {
        ErrorOut.write(error.inRecording(text), to: errorOut)
        return nil
    }
}

@_cdecl("zw_reader_free")
public func zw_reader_free(_ reader: UnsafeMutableRawPointer?) {
    Handle.release(reader)
}

/// The recording's length in frames, rate, channels and bit depth.
@_cdecl("zw_reader_shape")
public func zw_reader_shape(
    _ handle: UnsafeMutableRawPointer?, _ frames: UnsafeMutablePointer<Int64>?, _ rate: UnsafeMutablePointer<Int32>?,
    _ channels: UnsafeMutablePointer<Int32>?, _ bits: UnsafeMutablePointer<Int32>?
) -> Int32 {
    guard let box = Handle.reader(handle) else { return -1 }
    frames?.pointee = box.reader.totalSamples
    rate?.pointee = Int32(clamping: box.reader.sampleRate)
    channels?.pointee = Int32(clamping: box.reader.channelCount)
    bits?.pointee = Int32(clamping: box.reader.bitsPerSample)
    return 0
}

/// Extracts frames `start..<stop` as `dtype` (0 int16, 1 int32, 2 float32) into `out`, which
/// holds `capacity` bytes: (stop - start) x channels x sample size.
@_cdecl("zw_reader_read")
public func zw_reader_read(
    _ handle: UnsafeMutableRawPointer?, _ start: Int64, _ stop: Int64, _ dtype: Int32, _ out: UnsafeMutableRawPointer?, _ capacity: Int64,
    _ errorOut: ErrorPointer
) -> Int32 {
    guard let box = Handle.reader(handle) else { ErrorOut.write(Handle.closedRecording, to: errorOut); return -1 }
    do {
        try Extraction.read(box, start..<max(start, stop), dtype: dtype, into: out, capacity: capacity)
        return 0
    } catch {
        ErrorOut.write(error.inRecording(box.id), to: errorOut)
        return -1
    }
}

/// Extracts `count` ranges (`starts[k]..<stops[k]`) with up to `workers` in parallel, range k
/// into `outs[k]` (`capacities[k]` bytes each).
@_cdecl("zw_reader_read_many")
public func zw_reader_read_many(
    _ handle: UnsafeMutableRawPointer?, _ starts: UnsafePointer<Int64>?, _ stops: UnsafePointer<Int64>?, _ count: Int64, _ dtype: Int32,
    _ outs: UnsafePointer<UnsafeMutableRawPointer?>?, _ capacities: UnsafePointer<Int64>?, _ workers: Int32, _ errorOut: ErrorPointer
) -> Int32 {
    guard let box = Handle.reader(handle) else { ErrorOut.write(Handle.closedRecording, to: errorOut); return -1 }
    guard count >= 0, count == 0 || (starts != nil && stops != nil && outs != nil && capacities != nil) else {
        ErrorOut.write("give the ranges with their buffers", to: errorOut)
        return -1
    }
    let jobs = (0..<Int(count)).map { k in
        Extraction.Job(range: (starts?[k] ?? 0)..<max(starts?[k] ?? 0, stops?[k] ?? 0), out: Extraction.Address(outs?[k]), capacity: capacities?[k] ?? 0)
    }
    // On the library's own threads (not Swift concurrency's pool): usable in a forked child.
    do throws(CodecError) {
        try OwnThreads.forEach(jobs.count, workers: Int(max(1, workers))) { k throws(CodecError) in
            try Extraction.read(box, jobs[k].range, dtype: dtype, into: jobs[k].out.pointer, capacity: jobs[k].capacity)
        }
    } catch {
        ErrorOut.write(error.inRecording(box.id), to: errorOut)
        return -1
    }
    return 0
}

/// Reads `count` draws, draw k samples `starts[k]..<stops[k]` of recording `ids[k]`, into `out`
/// (`capacity` bytes: count x frames x channels samples of `dtype`, draw k at slot k), decoded
/// by up to `workers` threads of the library's own; the readers stay open for later batches.
/// `frames` <= 0: the longest draw's length; `pad` != 0: shorter draws end in zeros (else they
/// are an error). `picked` (`pickedCount` channel indices, or NULL) keeps those channels in that
/// order; `mono` != 0 mixes the channels down to one; `targetRate` > 0 resamples every draw to that
/// rate with libsoxr (`quality` 0 LQ, 1 MQ, 2 HQ, 3 VHQ); mixing and resampling need float32 (dtype 2).
/// Writes the batch's frames, channels and rate. Every draw is checked before anything is
/// decoded: a draw past its recording's end, an unknown recording, recordings of different
/// channel counts or rates (unless mixed down or resampled), or a buffer of another size are
/// typed errors.
@_cdecl("zw_archive_read_batch")
public func zw_archive_read_batch(
    _ handle: UnsafeMutableRawPointer?, _ ids: UnsafePointer<UnsafePointer<CChar>?>?, _ starts: UnsafePointer<Int64>?, _ stops: UnsafePointer<Int64>?,
    _ count: Int64, _ frames: Int64, _ pad: Int32, _ dtype: Int32, _ picked: UnsafePointer<Int32>?, _ pickedCount: Int32, _ mono: Int32,
    _ targetRate: Int32, _ quality: Int32,
    _ out: UnsafeMutableRawPointer?, _ capacity: Int64, _ workers: Int32,
    _ framesOut: UnsafeMutablePointer<Int64>?, _ channelsOut: UnsafeMutablePointer<Int32>?, _ rateOut: UnsafeMutablePointer<Int32>?,
    _ errorOut: ErrorPointer
) -> Int32 {
    guard let batches = Handle.batches(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return -1 }
    guard count >= 0, count == 0 || (ids != nil && starts != nil && stops != nil), capacity >= 0 else {
        ErrorOut.write("give the draws (ids, starts, stops) and a count of at least 0", to: errorOut)
        return -1
    }
    guard let format = Extraction.format(dtype) else { ErrorOut.write("dtype must be int16, int32 or float32", to: errorOut); return -1 }
    let qualities: [Resampler.Quality] = [.low, .medium, .high, .veryHigh]
    guard qualities.indices.contains(Int(quality)) else { ErrorOut.write("quality must be 0 (LQ) to 3 (VHQ), not \(quality)", to: errorOut); return -1 }
    let channels = picked.map { pointer in (0..<Int(max(0, pickedCount))).map { Int(pointer[$0]) } }
    let preparation = BatchReader.Preparation(
        channels: channels, mono: mono != 0, targetRate: targetRate > 0 ? Int(targetRate) : nil, quality: qualities[Int(quality)])
    var draws: [BatchReader.Draw] = []
    for k in 0..<Int(count) {
        guard let id = ids?[k], let start = starts?[k], let stop = stops?[k], stop >= start else {
            ErrorOut.write("draw \(k) has no recording id, or ends before it starts", to: errorOut)
            return -1
        }
        draws.append(BatchReader.Draw(id: String(cString: id), range: start..<stop))
    }
    do throws(CodecError) {
        let shape = try batches.read(
            draws, frames: frames > 0 ? Int(frames) : nil, pad: pad != 0, as: format, preparation: preparation, workers: Int(max(1, workers)),
            into: UnsafeMutableRawBufferPointer(start: out, count: Int(capacity)))
        if format == .int32 {
            // Full scale, as every int32 of the C ABI (Extraction.fullScale).
            let slot = shape.slotBytes ?? 0
            for (k, draw) in draws.enumerated() {
                let bits = try batches.reader(for: draw.id).bitsPerSample
                Extraction.fullScale(UnsafeMutableRawBufferPointer(start: out.map { $0 + k * slot }, count: slot), bitsPerSample: bits)
            }
        }
        framesOut?.pointee = Int64(shape.frames)
        channelsOut?.pointee = Int32(shape.channels)
        rateOut?.pointee = Int32(shape.sampleRate)
        return 0
    } catch {
        ErrorOut.write(error, to: errorOut)
        return -1
    }
}

/// Resolves a wall-clock span (ISO 8601 `at`, `duration` seconds, `device` or NULL,
/// `fillGaps`) into the recordings and gaps that make it: a handle (freed with `zw_span_free`)
/// and its frames, channels, rate and bit depth.
@_cdecl("zw_archive_span")
public func zw_archive_span(
    _ handle: UnsafeMutableRawPointer?, _ at: UnsafePointer<CChar>?, _ duration: Double, _ device: UnsafePointer<CChar>?, _ fillGaps: Int32,
    _ frames: UnsafeMutablePointer<Int64>?, _ channels: UnsafeMutablePointer<Int32>?, _ rate: UnsafeMutablePointer<Int32>?,
    _ bits: UnsafeMutablePointer<Int32>?, _ errorOut: ErrorPointer
) -> UnsafeMutableRawPointer? {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return nil }
    guard let at, let instant = Instant(String(cString: at)) else {
        ErrorOut.write("the instant must be ISO 8601 with seconds and Z or an offset", to: errorOut)
        return nil
    }
    do {
        let span = try archive.span(at: instant, duration: duration, device: device.map { String(cString: $0) }, fillGaps: fillGaps != 0).span
        frames?.pointee = span.totalSamples
        channels?.pointee = Int32(clamping: span.channelCount)
        rate?.pointee = Int32(clamping: span.sampleRate)
        bits?.pointee = Int32(clamping: span.bitsPerSample)
        return Handle.issue(SpanBox(span))
    } catch {
        ErrorOut.write(error, to: errorOut)
        return nil
    }
}

@_cdecl("zw_span_free")
public func zw_span_free(_ span: UnsafeMutableRawPointer?) {
    Handle.release(span)
}

/// Extracts the span as `dtype` into `out` (`capacity` bytes: frames x channels x sample size),
/// piece by piece in place; int32 at full scale (``Extraction/fullScale(_:bitsPerSample:)``).
/// Returns how many samples beyond full scale an integer dtype clipped (float recordings; the
/// caller says so), or -1 on failure.
@_cdecl("zw_span_read")
public func zw_span_read(
    _ handle: UnsafeMutableRawPointer?, _ spanHandle: UnsafeMutableRawPointer?, _ dtype: Int32, _ out: UnsafeMutableRawPointer?, _ capacity: Int64,
    _ errorOut: ErrorPointer
) -> Int64 {
    guard let archive = Handle.archive(handle) else { ErrorOut.write(Handle.closedArchive, to: errorOut); return -1 }
    guard let span = Handle.span(spanHandle)?.span else { ErrorOut.write(Handle.closedSpan, to: errorOut); return -1 }
    guard let out else {
        ErrorOut.write("give a buffer", to: errorOut)
        return -1
    }
    guard let format = Extraction.format(dtype) else { ErrorOut.write("dtype must be int16, int32 or float32", to: errorOut); return -1 }
    let (needed, overflow) = span.totalSamples.multipliedReportingOverflow(by: Int64(span.channelCount * format.bytesPerSample))
    guard !overflow, capacity >= needed else {
        ErrorOut.write("the buffer holds \(capacity) bytes, the span needs \(needed)", to: errorOut)
        return -1
    }
    var offset = 0
    var clipped: Int64 = 0
    do {
        try archive.extract(span, as: format) { buffer throws(CodecError) in
            let count = buffer.withUnsafeBytes { $0.count }
            guard Int64(offset + count) <= capacity else { throw CodecError(.library, "the span came out longer than it said") }
            try buffer.copy(into: UnsafeMutableRawBufferPointer(start: out + offset, count: count))
            offset += count
            clipped += Int64(buffer.clippedSamples)
        }
        if format == .int32 { Extraction.fullScale(UnsafeMutableRawBufferPointer(start: out, count: offset), bitsPerSample: span.bitsPerSample) }
        return clipped
    } catch {
        ErrorOut.write(error, to: errorOut)
        return -1
    }
}

/// `count` random 1 s extractions (seeded) timed inside Swift, for the Python benchmark's
/// "Swift library" column: the median seconds per extraction, or -1.
@_cdecl("zw_bench_random_reads")
public func zw_bench_random_reads(_ handle: UnsafeMutableRawPointer?, _ count: Int64, _ seed: UInt64, _ dtype: Int32) -> Double {
    guard let box = Handle.reader(handle), let format = Extraction.format(dtype), count > 0 else { return -1 }
    let length = Int64(box.reader.sampleRate)
    guard box.reader.totalSamples > length else { return -1 }
    var random = SplitMix64(seed: seed)
    var times: [Double] = []
    for _ in 0..<count {
        let first = Int64(random.next() % UInt64(box.reader.totalSamples - length))
        let start = ContinuousClock.now
        guard (try? box.reader.extract(first..<first + length, as: format)) != nil else { return -1 }
        let elapsed = (ContinuousClock.now - start).components
        times.append(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }
    return times.sorted()[times.count / 2]
}
