import CodecCore
import Foundation
import ObjectStore
import Testing
import TestSupport
import ZarrStore
import ZarrwlrArchive

/// Inputs, arguments and damaged stores that once crashed `aimport` or made it mislead: each is
/// now a clear refusal with the README's exit code, and never a signal (status >= 128).
@Suite(.serialized) struct RobustnessCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    /// Runs aimport; returns its status and what it printed (never throws for a non-zero exit).
    @discardableResult
    private func run(_ arguments: [String], stdout: FileHandle? = nil, in directory: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let result = ProcessRunner.outcome(Self.binary, arguments, in: directory, standardOutput: stdout)
        #expect(!result.diedOfSignal, "aimport \(arguments) died of a signal")
        return (result.status, result.standardOutput, result.standardError)
    }

    private func sox(_ arguments: [String]) throws {
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", arguments)
    }

    /// A store with one 2 s 16 kHz recording (id 0).
    private func archive(in folder: TemporaryFolder, codec: String = "flac") throws -> String {
        let wav = folder.path + "/tone.wav"
        try sox(["-n", "-r", "16000", "-b", "16", "-c", "1", wav, "synth", "2", "sine", "440"])
        let store = folder.path + "/a.zarr"
        #expect(try run(["import", "--store", store, "--codec", codec, wav]).status == 0)
        return store
    }

    /// A WAV that holds no samples (a recorder stopped at once): FLAC keeps it as an empty
    /// recording; `--codec opus` stopped the process (libopusenc asserts when a stream it was
    /// given nothing for is ended: SIGABRT, exit 134) and `--codec wavpack` called it "no intact
    /// WavPack frame", as if damaged. Both refuse it, naming the reason and FLAC.
    @Test func aWAVWithNoSamplesIsAnEmptyFLACRecordingAndARefusalOtherwise() throws {
        let folder = TemporaryFolder()
        let empty = folder.path + "/empty.wav"
        var header = Data("RIFF".utf8) + Data([36, 0, 0, 0]) + Data("WAVEfmt ".utf8) + Data([16, 0, 0, 0, 1, 0, 1, 0])
        header += Data([0x80, 0xBB, 0, 0, 0, 0x77, 1, 0, 2, 0, 16, 0]) + Data("data".utf8) + Data([0, 0, 0, 0])
        try header.write(to: URL(fileURLWithPath: empty))
        for codec in ["opus", "wavpack"] {
            let store = folder.path + "/\(codec).zarr"
            let refused = try run(["import", "--store", store, "--codec", codec, empty])
            #expect(refused.status == 65 && refused.err.contains("holds no samples") && refused.err.contains("--codec flac"), "\(codec): \(refused.status) \(refused.err)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: store + "/.zarrwlr/staging").isEmpty)
        }
        let store = folder.path + "/flac.zarr"
        #expect(try run(["import", "--store", store, empty]).status == 0)
        #expect(try run(["list", "--store", store, "--json"]).out.contains("\"total_samples\": 0"))
        #expect(try run(["export", "--store", store, "0", "--output", folder.path + "/back.wav"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/back.wav")) == header)
    }

    @Test func badNumbersAreUsageErrors() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        for (from, duration) in [("1", "-1"), ("nan", "1"), ("inf", "1"), ("1e300", "1"), ("1", "inf"), ("-2", "1"), ("1", "0")] {
            let result = try run(["extract", "--store", store, "0", "--from", from, "--duration", duration, "--output", folder.path + "/x.wav"])
            #expect(result.status == 64, "--from \(from) --duration \(duration): \(result.status) \(result.err)")
            #expect(result.err.contains("--from") || result.err.contains("--duration"))
        }
        #expect(try run(["extract", "--store", store, "0", "--start", "10", "--end", "5", "--output", folder.path + "/x.wav"]).status == 64)
        #expect(try run(["extract", "--store", store, "0", "--start", "0", "--end", "999999999", "--output", folder.path + "/x.wav"]).status == 64)
        #expect(try run(["extract", "--store", store, "0", "--start", "0", "--end", "5", "--workers", "0", "--output", "-"]).status == 64)
        #expect(try run(["import", "--store", store, "--jobs", "0", folder.path + "/tone.wav"]).status == 64)
        #expect(try run(["import", "--store", store, "--codec", "mp3", folder.path + "/tone.wav"]).status == 64)
        #expect(try run(["import", "--store", store, "--codec", "FLAC", "--allow-duplicate", folder.path + "/tone.wav"]).status == 0)
        let yesterday = try run(["import", "--store", store, "--start-time", "yesterday", folder.path + "/tone.wav"])
        #expect(yesterday.status == 64)
        #expect(yesterday.err.contains("--start-time"))
        #expect(try run(["import", "--store", store, "--start-time", "2025-04-16T04:30:00", folder.path + "/tone.wav"]).status == 64)
        let ranges = folder.path + "/empty.txt"
        try Data("# nothing\n\n".utf8).write(to: URL(fileURLWithPath: ranges))
        #expect(try run(["extract", "--store", store, "0", "--ranges", ranges, "--output", folder.path + "/r.wav"]).status == 64)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/r.wav"))
        // A ranges CSV as Excel (byte-order mark) or pandas (column names) writes it: the same
        // samples as the plain file; both first lines were refused as malformed.
        let plain = folder.path + "/plain.txt", csv = folder.path + "/ranges.csv"
        try Data("0 100\n200 300\n".utf8).write(to: URL(fileURLWithPath: plain))
        try Data([0xEF, 0xBB, 0xBF] + Array("start,end\r\n0,100\r\n200,300\r\n".utf8)).write(to: URL(fileURLWithPath: csv))
        for (file, output) in [(plain, "/plain.raw"), (csv, "/csv.raw")] {
            #expect(try run(["extract", "--store", store, "0", "--ranges", file, "--format", "s16", "--output", folder.path + output]).status == 0)
        }
        let extracted = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/csv.raw"))
        let plainly = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/plain.raw"))
        #expect(extracted.count == 400 && extracted == plainly)
        try Data("start,end\nbegin,stop\n".utf8).write(to: URL(fileURLWithPath: csv))
        #expect(try run(["extract", "--store", store, "0", "--ranges", csv, "--output", "-"]).err.contains("line 2"))  // names only on line 1
    }

    @Test func outputErrorsAndClosedPipes() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let result = try run(["extract", "--store", store, "0", "--start", "0", "--end", "32000", "--output", "-"], stdout: full)
        #expect(result.status == 74)
        #expect(result.err.contains("No space left"))
        // A reader that closes the pipe at once: the extraction ends quietly, no signal.
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let closed = try run(["extract", "--store", store, "0", "--start", "0", "--end", "32000", "--output", "-"], stdout: pipe.fileHandleForWriting)
        #expect(closed.status == 0)
        #expect(closed.err.isEmpty)
        #expect(try run(["extract", "--store", store, "0", "--start", "0", "--end", "10", "--output", "/nonexistent/x.wav"]).status == 73)
        #expect(try run(["export", "--store", store, "0", "--output", "/nonexistent/x.wav"]).status == 73)
        #expect(try run(["export", "--store", store, "0", "--output", ""]).status == 64)  // was 73, naming an empty file
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent"))
    }

    @Test func readOnlyCommandsNeverCreateOrChangeAStore() throws {
        let folder = TemporaryFolder()
        let typo = folder.path + "/typo.zarr"
        for command in [["verify"], ["list"], ["info", "0"], ["index", "0", "--verify"], ["extract", "0", "--start", "0", "--end", "1", "--output", folder.path + "/x.wav"], ["export", "0", "--output", folder.path + "/x.flac"]] {
            let result = try run([command[0], "--store", typo] + command.dropFirst())
            #expect(result.status == 66, "\(command): \(result.status) \(result.err)")
            #expect(!FileManager.default.fileExists(atPath: typo))
        }
        let empty = folder.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(try run(["list", "--store", empty]).status == 66)
        #expect(try run(["verify", "--store", empty]).status == 66)
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
    }

    /// A store named by a URL of another kind (or a mistyped S3 URL) was taken for a relative
    /// folder: `import --store gs://bucket/season` made `gs:/bucket/season` in the working
    /// directory and imported there, exit 0; `--store ""` imported into `/`.
    @Test func aStoreURLOfAnotherKindIsAUsageErrorAndMakesNoFolder() throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/tone.wav"
        try sox(["-n", "-r", "16000", "-b", "16", "-c", "1", wav, "synth", "0.2", "sine", "440"])
        let work = folder.path + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        for store in ["gs://bucket/season", "https://example.org/season.zarr", "S3://bucket/season", "s3:/bucket/season", "s3:bucket", "az://container"] {
            for command in [["import", wav], ["list"], ["verify"]] {
                let result = try run([command[0], "--store", store] + command.dropFirst(), in: work)
                #expect(result.status == 64, "\(store) \(command[0]): \(result.status) \(result.err)")
                #expect(result.err.contains(store), "\(result.err)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
        // A folder whose name merely holds a colon is still a folder.
        #expect(try run(["import", "--store", "site:3.zarr", wav], in: work).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["site:3.zarr"])
        try FileManager.default.removeItem(atPath: work + "/site:3.zarr")
        #expect(throws: Never.self) { try AudioArchive.checkStoreName(work + "/gs://bucket") }  // a folder path with gs:// inside it
        // An empty name made the archive in the file system's root (its keys "/zarr.json", "/0/...").
        #expect(throws: CodecError.self) { try AudioArchive.checkStoreName("") }
        for command in ["list", "verify"] {
            let result = try run([command, "--store", ""], in: work)
            #expect(result.status == 64 && result.err.contains("empty"), "\(command): \(result.status) \(result.err)")
        }
        // A group with . or .. ended in exit 70 (list) or 73 (import); slashes around names are the same group.
        for group in [".", "a/../b", "..", "./a"] {
            for command in [["import", wav], ["list"]] {
                let result = try run([command[0], "--store", "grouped.zarr", "--group", group] + command.dropFirst(), in: work)
                #expect(result.status == 64 && result.err.contains("--group"), "\(group) \(command[0]): \(result.status) \(result.err)")
            }
        }
        #expect(try run(["import", "--store", "grouped.zarr", "--group", "/site//3/", wav], in: work).status == 0)
        #expect(try run(["list", "--store", "grouped.zarr", "--group", "site/3"], in: work).out.contains("tone.wav"))
        #expect(try run(["list", "--store", "grouped.zarr", "--group", "/"], in: work).err.contains("not an audio archive"))  // the root is a plain group
        #expect(throws: CodecError.self) { try AudioArchive.checkStoreName("gs://bucket") }  // the C ABI and Python open through it
    }

    /// An S3 endpoint that is not an http(s) server's address went to libcurl as it was:
    /// `file://FOLDER` read (and an import would have written) local files under FOLDER as the
    /// bucket, `ftp://` spoke FTP, a port past 65535 or a missing scheme were retried five times
    /// as I/O errors (exit 74), and a path or user in it was sent unsigned (then "check
    /// AWS_ACCESS_KEY_ID", exit 77). Each is a usage error naming the variable, before any request.
    @Test func anS3EndpointThatIsNotAnHTTPServersAddressIsAUsageErrorAndTouchesNothing() throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/tone.wav"
        try sox(["-n", "-r", "16000", "-b", "16", "-c", "1", wav, "synth", "0.2", "sine", "440"])
        let local = folder.path + "/local"
        try FileManager.default.createDirectory(atPath: local + "/bucket", withIntermediateDirectories: true)
        try Data("<ListBucketResult></ListBucketResult>".utf8).write(to: URL(fileURLWithPath: local + "/bucket/x"))
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = "key"
        environment["AWS_SECRET_ACCESS_KEY"] = "secret"
        environment["AWS_ENDPOINT_URL_S3"] = nil
        let endpoints = [
            "file://" + local, "ftp://127.0.0.1:8333", "127.0.0.1:8333", "http://127.0.0.1:99999", "http://127.0.0.1:0",
            "http://user:secret@127.0.0.1:8333", "http://127.0.0.1:8333/gateway", "http://127.0.0.1:8333?x=1", "http://[::1", "http://:8333",
        ]
        for endpoint in endpoints {
            environment["AWS_ENDPOINT_URL"] = endpoint
            for command in [["import", wav], ["list"]] {
                let result = ProcessRunner.outcome(Self.binary, [command[0], "--store", "s3://bucket/season"] + command.dropFirst(), environment: environment)
                #expect(result.status == 64, "\(endpoint) \(command[0]): \(result.status) \(result.standardError)")
                #expect(result.standardError.contains("AWS_ENDPOINT_URL is '\(endpoint)'"), "\(result.standardError)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: local + "/bucket") == ["x"])
        // Without an endpoint the region is part of AWS's host name: "x/../elsewhere.org" would have sent requests to another host.
        environment["AWS_ENDPOINT_URL"] = nil
        environment["AWS_REGION"] = "x/../elsewhere.org"
        let region = ProcessRunner.outcome(Self.binary, ["list", "--store", "s3://bucket/season"], environment: environment)
        #expect(region.status == 64 && region.standardError.contains("AWS_REGION is 'x/../elsewhere.org'"), "\(region.standardError)")
        // The forms an endpoint takes: a trailing slash dropped, upper-case schemes and bracketed IPv6 taken, empty for AWS.
        for (given, base) in [("http://127.0.0.1:8333/", "http://127.0.0.1:8333"), ("HTTPS://s3.lab", "HTTPS://s3.lab"), ("http://[::1]:8333", "http://[::1]:8333")] {
            #expect(try S3Client(environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": given]).endpoint == base)
        }
        #expect(try S3Client(environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": ""]).endpoint == nil)
    }

    @Test func oneDamagedRecordingNeverBlocksTheOthers() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let second = folder.path + "/second.wav"
        try sox(["-n", "-r", "16000", "-b", "16", "-c", "1", second, "synth", "1", "sine", "880"])
        #expect(try run(["import", "--store", store, second]).status == 0)
        // Recording 0's zarr.json cut in half; a folder named with an Arabic-Indic digit.
        let metadata = store + "/0/zarr.json"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: metadata))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: metadata))
        try FileManager.default.createDirectory(atPath: store + "/\u{0663}", withIntermediateDirectories: true)
        let listed = try run(["list", "--store", store])
        #expect(listed.status == 0)
        #expect(listed.out.contains("0\tDAMAGED"))
        #expect(listed.out.contains("second.wav"))
        let verified = try run(["verify", "--store", store])
        #expect(verified.status == 65)
        #expect(verified.out.contains("metadata damaged"))
        #expect(verified.out.contains("recording 1: ok"))
        // Imports go on, with an id past the damaged one.
        let third = folder.path + "/third.wav"
        try sox(["-n", "-r", "16000", "-b", "16", "-c", "1", third, "synth", "1", "sine", "660"])
        let imported = try run(["import", "--store", store, "--json", third])
        #expect(imported.status == 0)
        #expect(try JSONValue(parsing: Array(imported.out.utf8)).arrayValue?.first?["id"] == "2")
    }

    @Test func damagedBlobsAndIndexesAreToldApart() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let blob = store + "/0/audio_data_blob_array/c/0"
        // Flip bytes in the middle of the audio: the blob is damaged, the index is not.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blob)))
        for k in 20_000..<20_010 { bytes[k] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: blob))
        let verified = try run(["verify", "--store", store])
        #expect(verified.status == 65)
        #expect(verified.out.contains("blob damaged"))
        #expect(!verified.out.contains("index damaged"))
        // The blob's own metadata damaged: the blob's, and no index rebuild can mend it
        // (it was "index damaged ... (repair: aimport index 0)").
        let blobMetadata = store + "/0/audio_data_blob_array/zarr.json"
        let intactMetadata = try Data(contentsOf: URL(fileURLWithPath: blobMetadata))
        for damaged in ["{\"zarr_format\": 3, \"node_type\": \"array\"", String(decoding: intactMetadata, as: UTF8.self).replacing(/"chunk_shape": ?\[\d+\]/, with: "\"chunk_shape\": [1099511627776]")] {
            try Data(damaged.utf8).write(to: URL(fileURLWithPath: blobMetadata))
            let told = try run(["verify", "--store", store])
            #expect(told.status == 65 && told.out.contains("blob damaged") && !told.out.contains("index damaged") && told.out.contains("import the source again"), "\(told.out)")
        }
        try intactMetadata.write(to: URL(fileURLWithPath: blobMetadata))
        // A deleted shard is called missing, not "no fLaC marker".
        try FileManager.default.removeItem(atPath: blob)
        let missing = try run(["extract", "--store", store, "0", "--start", "0", "--end", "100", "--output", folder.path + "/x.wav"])
        #expect(missing.status == 65)
        #expect(missing.err.contains("missing"))
        #expect(try run(["verify", "--store", store]).out.contains("missing"))
    }

    @Test func corruptShardIsBadDataNotIO() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder)
        let blob = store + "/0/audio_data_blob_array/c/0"
        // The shard index (at the end, CRC-32C checked) damaged.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blob)))
        bytes[bytes.count - 7] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: blob))
        let result = try run(["extract", "--store", store, "0", "--start", "0", "--end", "100", "--output", folder.path + "/x.wav"])
        #expect(result.status == 65, "\(result.status) \(result.err)")
        #expect(result.err.contains("recording 0"))
    }

    /// RFC 3533 CRC-32 (polynomial 0x04C11DB7, no reflection, checksum field zeroed).
    private func oggCRC(_ page: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for (k, byte) in page.enumerated() {
            crc ^= UInt32(k >= 22 && k < 26 ? 0 : byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        }
        return crc
    }

    @Test func hostileGranulesAndSizesAreRefused() throws {
        let folder = TemporaryFolder()
        // An Ogg Opus page near the middle with a granule position near 2^63 and a valid CRC.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("birds_10s_48k.opus"))))
        var pages: [Int] = []
        var k = 0
        while k + 27 < bytes.count {
            guard bytes[k..<k + 4].elementsEqual(Array("OggS".utf8)) else { k += 1; continue }
            pages.append(k)
            let segments = Int(bytes[k + 26])
            k += 27 + segments + (0..<segments).reduce(0) { $0 + Int(bytes[k + 27 + $1]) }
        }
        let target = pages[pages.count / 2]
        let size = 27 + Int(bytes[target + 26]) + (0..<Int(bytes[target + 26])).reduce(0) { $0 + Int(bytes[target + 27 + $1]) }
        withUnsafeBytes(of: (Int64.max - 5).littleEndian) { bytes.replaceSubrange(target + 6..<target + 14, with: $0) }
        let crc = oggCRC(Array(bytes[target..<target + size]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(target + 22..<target + 26, with: $0) }
        let opus = folder.path + "/granule.opus"
        try Data(bytes).write(to: URL(fileURLWithPath: opus))
        let store = folder.path + "/a.zarr"
        let result = try run(["import", "--store", store, "--codec", "opus", opus])
        #expect(result.status == 65, "\(result.status) \(result.err)")

        // RF64 whose ds64 data size is 2^63 or more.
        var rf64 = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("edge_soundevent_rf64_pcm_16.rf64"))))
        if let ds64 = (0..<rf64.count - 4).first(where: { rf64[$0..<$0 + 4].elementsEqual(Array("ds64".utf8)) }) {
            for j in ds64 + 16..<ds64 + 24 { rf64[j] = 0xFF }
        }
        let hostile = folder.path + "/huge.rf64"
        try Data(rf64).write(to: URL(fileURLWithPath: hostile))
        let imported = try run(["import", "--store", store, hostile])
        #expect(imported.status == 0 || imported.status == 65, "\(imported.status) \(imported.err)")
    }

    @Test func ninetySixThousandAndOneHertzAsFLAC() throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/odd.wav"
        try sox(["-n", "-r", "96001", "-b", "16", "-c", "1", wav, "synth", "0.5", "sine", "1000"])
        let store = folder.path + "/a.zarr"
        #expect(try run(["import", "--store", store, wav]).status == 0)
        let raw = folder.path + "/x.raw"
        #expect(try run(["extract", "--store", store, "0", "--start", "0", "--end", "48000", "--output", raw]).status == 0)
        let reference = folder.path + "/ref.raw"
        try sox([wav, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", reference])
        let expected = try Data(contentsOf: URL(fileURLWithPath: reference)).prefix(96_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: raw)) == expected)
    }

    @Test func indexOfTheWrongShapeIsATypedError() throws {
        let folder = TemporaryFolder()
        let store = try archive(in: folder, codec: "opus")
        let metadata = store + "/0/opus_index/zarr.json"
        let text = try String(contentsOfFile: metadata, encoding: .utf8)
        try text.replacingOccurrences(of: "\"shape\": [\n    ", with: "\"shape\": [\n    1,\n    ").write(toFile: metadata, atomically: true, encoding: .utf8)
        let result = try run(["extract", "--store", store, "0", "--start", "0", "--end", "100", "--output", folder.path + "/x.wav"])
        #expect(result.status == 65, "\(result.status) \(result.err)")
    }

    /// `aimport index` killed at any moment leaves the old index or the new one, never zeros:
    /// the stored index always matches a fresh build and extraction works.
    @Test func killedIndexRebuildLeavesAValidIndex() throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/long.wav"
        try sox(["-n", "-r", "96000", "-b", "16", "-c", "2", wav, "synth", "60", "pinknoise"])
        let store = folder.path + "/a.zarr"
        #expect(try run(["import", "--store", store, wav]).status == 0)
        var killed = 0
        for delay in [2_000, 10_000, 30_000, 60_000, 120_000, 250_000] as [UInt32] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["index", "--store", store, "0", "--sequential"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(delay)
            if process.isRunning { kill(process.processIdentifier, SIGKILL); killed += 1 }
            process.waitUntilExit()
            let check = try run(["index", "--store", store, "0", "--verify"])
            #expect(check.status == 0, "after a kill at \(delay) us: \(check.out) \(check.err)")
            #expect(try run(["extract", "--store", store, "0", "--start", "1000000", "--end", "1000100", "--output", folder.path + "/x.raw", "--force"]).status == 0)
        }
        #expect(killed > 0, "no kill landed during a rebuild; the test proved nothing")
        // Leftovers of interrupted rebuilds are gone after a complete one.
        #expect(try run(["index", "--store", store, "0"]).status == 0)
        let arrays = try FileManager.default.contentsOfDirectory(atPath: store + "/0").filter { $0.hasPrefix("flac_index") }
        #expect(arrays.count == 1, "\(arrays)")
    }
}
