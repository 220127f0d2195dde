import AudioInput
import CodecCore
import CPNG
import Foundation
import Testing
import TestSupport
import ZarrStore

/// `aimport serve` through HTTP: tiles decoded with libpng show a tone at its frequency, the
/// audio of a span equals `aimport extract` (and says its time expansion), bad requests get
/// typed JSON errors, and the page loads nothing from elsewhere.
@Suite(.serialized) struct ServeCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    /// Starts `aimport serve --port 0` on `store`; returns the process and the address it prints.
    private func serve(_ store: String, _ options: [String] = []) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--store", store, "--port", "0"] + options
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let address = text.split(separator: "\n").first { $0.hasPrefix("aimport serve: ") }.map { String($0.dropFirst("aimport serve: ".count)) } ?? ""
        return (process, address)
    }

    private func get(_ url: String) throws -> (status: Int, body: [UInt8]) {
        let result = ProcessRunner.outcome(ProcessRunner.which("curl") ?? "/usr/bin/curl", ["-s", "--noproxy", "*", "-o", "/dev/stdout", "-w", "\n%{http_code}", url])
        var bytes = Array(result.standardOutput.utf8)
        // curl's status code ends the output; the body comes before it (text bodies only here).
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        bytes = Array(bytes.dropLast((lines.last?.count ?? 0) + 1))
        return (status, bytes)
    }

    /// POSTs the file at `path`; the status and the body.
    private func post(_ url: String, file path: String) -> (status: Int, body: String) {
        let result = ProcessRunner.outcome(
            ProcessRunner.which("curl") ?? "/usr/bin/curl", ["-s", "--noproxy", "*", "-X", "POST", "--data-binary", "@" + path, "-o", "/dev/stdout", "-w", "\n%{http_code}", url])
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    private func download(_ url: String, to path: String) -> Int {
        let result = ProcessRunner.outcome(ProcessRunner.which("curl") ?? "/usr/bin/curl", ["-s", "--noproxy", "*", "-o", path, "-w", "%{http_code}", url])
        return Int(result.standardOutput) ?? 0
    }

    /// The grey levels of a PNG, as libpng reads it.
    private func greyPixels(_ path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else { throw CodecError(.corrupt, "libpng cannot read the tile", file: path) }
        image.format = UInt32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: 0, count: Int(image.width * image.height))
        guard pixels.withUnsafeMutableBytes({ png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }) != 0 else {
            throw CodecError(.corrupt, "libpng cannot decode the tile", file: path)
        }
        return (Int(image.width), Int(image.height), pixels)
    }

    @Test func tilesShowATonesFrequencyAndAudioEqualsExtract() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", folder.path + "/tone.wav", "synth", "10", "sine", "3000", "vol", "0.5"])
        let store = folder.path + "/s.zarr"
        #expect(ProcessRunner.outcome(Self.binary, ["import", "--store", store, folder.path + "/tone.wav"]).status == 0)
        let (server, address) = try serve(store)
        defer { server.terminate(); server.waitUntilExit() }
        #expect(address.hasPrefix("http://127.0.0.1:"))

        // 240 rows over 0-24 kHz: 100 Hz a row; 3 kHz lies on the edge of rows 209 and 210.
        let tile = folder.path + "/tile.png"
        #expect(download(address + "api/tile?recording=0&start=2&end=4&width=64&height=240&colours=grey&db_min=-100&db_max=0", to: tile) == 200)
        let (width, height, pixels) = try greyPixels(tile)
        #expect(width == 64 && height == 240)
        for column in 0..<width {
            let brightest = (0..<height).max { pixels[$0 * width + column] < pixels[$1 * width + column] } ?? -1
            #expect([209, 210].contains(brightest), "column \(column): brightest row \(brightest)")
        }
        // Beyond the recording's end the columns are silent.
        #expect(download(address + "api/tile?recording=0&start=20&end=21&width=8&height=16&colours=grey", to: tile) == 200)
        #expect(try greyPixels(tile).pixels.allSatisfy { $0 == 0 })

        // Playback: the span's samples, the header's rate divided by the expansion.
        let wav = folder.path + "/span.wav"
        #expect(download(address + "api/audio?recording=0&start=1&end=1.5&expansion=10", to: wav) == 200)
        #expect(ProcessRunner.outcome(Self.binary, ["extract", "--store", store, "0", "--start", "48000", "--end", "72000", "--output", folder.path + "/x.wav"]).status == 0)
        let played = try PCMFileReader(path: wav), extracted = try PCMFileReader(path: folder.path + "/x.wav")
        #expect(played.sampleRate == 4_800)
        var a: [Int32] = [], b: [Int32] = []
        _ = try played.read(maxFrames: 1 << 20, into: &a)
        _ = try extracted.read(maxFrames: 1 << 20, into: &b)
        #expect(a == b && a.count == 24_000)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: wav)), as: UTF8.self).contains("TE: 10"))

        // Typed errors; the page is self-contained.
        let bad = try get(address + "api/tile?recording=0&start=3&end=2")
        #expect(bad.status == 400 && String(decoding: bad.body, as: UTF8.self).contains("start and end"))
        #expect(try get(address + "api/layers/none").status == 404)
        #expect(try get(address + "api/tile?recording=0&start=0&end=1&fft=7").status == 400)
        let unknown = try get(address + "api/tile?recording=99&start=0&end=1")
        #expect(unknown.status == 400 && String(decoding: unknown.body, as: UTF8.self).contains("no recording '99'"))
        #expect(try get(address + "api/tile?recording=..%2F0&start=0&end=1").status == 400)
        #expect(try get(address + "api/layers/..%2F..%2Fetc").status == 404)
        #expect(try get(address + "api/tile?recording=0&start=nan&end=1").status == 400)
        #expect(try get(address + "api/tile?recording=0&start=0&end=1&width=100000").status == 400)
        #expect(try get(address + "api/audio?recording=0&start=1e9&end=2e9").status == 400)
        // Times and frequencies far past any recording, which had stopped the server (a trap
        // turning seconds x rate into a sample position): typed errors, and it keeps serving.
        for query in ["api/audio?recording=0&start=1e17&end=100000000000000016", "api/tile?recording=0&start=1e17&end=100000000000000016",
                      "api/tile?recording=0&start=0&end=1&high=1e300", "api/tile?recording=0&start=1e15&end=1000000000000100"] {
            let answer = try get(address + query)
            #expect(answer.status == 400 && String(decoding: answer.body, as: UTF8.self).contains("1000000000"), "\(query)")
        }
        let escape = ProcessRunner.outcome(ProcessRunner.which("curl") ?? "/usr/bin/curl", ["-s", "--noproxy", "*", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", address + "../../etc/passwd"])
        #expect(escape.standardOutput == "404")
        // Still serving.
        #expect(download(address + "api/tile?recording=0&start=0&end=1&width=8&height=8", to: tile) == 200)
        let page = String(decoding: try get(address).body, as: UTF8.self)
        #expect(page.contains("<canvas") || page.contains("id=\"view\""))
        #expect(!page.contains("://"), "the page loads something from elsewhere")
        let listed = try JSONValue(parsing: try get(address + "api/recordings").body).arrayValue ?? []
        #expect(listed.map { $0["id"]?.stringValue } == ["0"] && listed.first?["seconds"]?.doubleValue == 10)
    }

    /// Boxes saved from the page (`POST /api/layers/NAME`, the name as the page encodes it):
    /// a layer named with letters beyond ASCII, which the CLI takes, was refused with its name
    /// still percent-encoded and could not be shown; the layer's source and a bad table's error
    /// named the server's temporary file (`/tmp/zarrwlr-serve-....txt`).
    @Test func layersSavedFromThePageKeepTheirNamesAndNameTheirTable() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "16000", "-b", "16", "-c", "1", folder.path + "/tone.wav", "synth", "3", "sine", "1000"])
        let store = folder.path + "/s.zarr"
        #expect(ProcessRunner.outcome(Self.binary, ["import", "--store", store, folder.path + "/tone.wav"]).status == 0)
        let (server, address) = try serve(store)
        defer { server.terminate(); server.waitUntilExit() }
        let table = folder.path + "/boxes.txt", bad = folder.path + "/bad.txt"
        try Data("Selection\tBegin File\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\n1\ttone.wav\t0.5\t1.25\t800\t1200\tPirol\n".utf8)
            .write(to: URL(fileURLWithPath: table))
        try Data("Selection\tBegin File\tBegin Time (s)\tEnd Time (s)\n1\ttone.wav\t2\t9\n".utf8).write(to: URL(fileURLWithPath: bad))

        let saved = post(address + "api/layers/chants_%C3%A9t%C3%A9", file: table)
        #expect(saved.status == 200 && saved.body.contains("\"rows\""), "\(saved)")
        let rows = try JSONValue(parsing: try get(address + "api/layers/chants_%C3%A9t%C3%A9").body)
        #expect(rows.arrayValue?.count == 1 && rows.arrayValue?.first?["label"]?.stringValue == "Pirol", "\(rows)")
        #expect(try JSONValue(parsing: try get(address + "api/layers").body).arrayValue?.map(\.stringValue) == ["chants_été"])
        let listed = ProcessRunner.outcome(Self.binary, ["annotate", "list", "--store", store])
        #expect(listed.standardOutput.contains("chants_été\t1\t1\t1\ttable sent to aimport serve\t"), "\(listed.standardOutput)")
        #expect(post(address + "api/layers/chants_%C3%A9t%C3%A9", file: table).status == 409)

        // A row past the recording's end: refused, naming the upload and its line, never a temporary file.
        let refused = post(address + "api/layers/more", file: bad)
        #expect(refused.status == 422 && refused.body.contains("table sent to aimport serve") && refused.body.contains("line 2"), "\(refused)")
        #expect(!refused.body.contains(NSTemporaryDirectory()) && !refused.body.contains("zarrwlr-serve-"), "\(refused)")
        #expect(try get(address + "api/layers/more").status == 404)
    }

    /// A 10 ms call at 8 kHz, 30.5 s into a minute of a quieter 3 kHz tone: a tile of the whole
    /// minute drawn from one FFT per column misses it; drawn from the spectrum overview (built
    /// by `aimport overview` while a server runs, found by that server when it asks the archive
    /// again, or built by the server in the background) its column shows it, and only
    /// its column (its overview frame, 30.38-30.72 s, lies inside the column). `aimport delete` removes the overview with the recording.
    @Test func zoomedOutTilesShowAShortCallFromTheOverview() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        for (name, seconds, tone) in [("a", "30.5", "sine 3000 vol 0.1"), ("b", "0.01", "sine 8000 vol 0.5"), ("c", "29.49", "sine 3000 vol 0.1")] {
            try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", folder.path + "/\(name).wav", "synth", seconds] + tone.split(separator: " ").map(String.init))
        }
        try ProcessRunner.run(sox, ["-R", folder.path + "/a.wav", folder.path + "/b.wav", folder.path + "/c.wav", folder.path + "/minute.wav"])
        let stores = [folder.path + "/built.zarr", folder.path + "/lazy.zarr"]
        for store in stores { #expect(ProcessRunner.outcome(Self.binary, ["import", "--store", store, folder.path + "/minute.wav"]).status == 0) }
        // 64 columns of 0.9375 s (45,000 samples); 240 rows of 100 Hz: 8 kHz is the edge of rows 159 and 160, 3 kHz of 209 and 210.
        let query = "api/tile?recording=0&start=0&end=60&width=64&height=240&colours=grey&db_min=-100&db_max=0"
        let tile = folder.path + "/tile.png"
        func callRows() throws -> [Int] {
            let (width, _, pixels) = try greyPixels(tile)
            return (0..<width).filter { column in [159, 160].contains { pixels[$0 * width + column] > 128 } }
        }

        /// The columns showing the call, once the server draws it (asked every 0.1 s for up to 60 s).
        func callRowsOnceShown(_ address: String) throws -> [Int] {
            var shown: [Int] = []
            for _ in 0..<600 where shown.isEmpty {
                #expect(download(address + query, to: tile) == 200)
                shown = try callRows()
                if shown.isEmpty { usleep(100_000) }
            }
            return shown
        }

        var (server, address) = try serve(stores[0], ["--no-build-overviews"])
        #expect(download(address + query, to: tile) == 200)
        #expect(try callRows() == [], "one FFT per column should miss a 10 ms call")
        // Built by the CLI while the server runs: the server asks the archive again and draws from it.
        let built = ProcessRunner.outcome(Self.binary, ["overview", "--store", stores[0]])
        #expect(built.status == 0 && built.standardOutput.contains("recording 0: overview of"), "\(built.standardError)")
        #expect(ProcessRunner.outcome(Self.binary, ["overview", "--store", stores[0], "0"]).standardOutput.contains("has an overview"))
        #expect(try callRowsOnceShown(address) == [32], "the call lies in column 32 (30.0-30.94 s), one FFT per column centred at 30.47 s")
        let (width, _, pixels) = try greyPixels(tile)
        for column in 0..<width {
            let rows: [Int] = (0..<240).filter { $0 < 150 || $0 > 170 }
            let brightest = rows.max { (a: Int, b: Int) -> Bool in pixels[a * width + column] < pixels[b * width + column] } ?? -1
            #expect((208...211).contains(brightest), "column \(column): brightest row \(brightest) outside the call's rows")
        }
        server.terminate()
        server.waitUntilExit()

        // The server builds a missing overview itself; until then its tiles come from FFTs per column.
        (server, address) = try serve(stores[1])
        defer { server.terminate(); server.waitUntilExit() }
        #expect(try callRowsOnceShown(address) == [32])
        #expect(FileManager.default.fileExists(atPath: stores[1] + "/.zarrwlr/overviews/0/zarr.json"))
        #expect(ProcessRunner.outcome(Self.binary, ["delete", "--store", stores[1], "0"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: stores[1] + "/.zarrwlr/overviews/0"))
    }
}
