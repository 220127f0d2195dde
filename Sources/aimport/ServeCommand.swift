import ArgumentParser
import CodecCore
import Foundation
import ZarrwlrArchive
import ZarrwlrServe

/// `aimport serve`: the archive in a browser.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a web view of the archive: a timeline, spectrograms of any span, playback, annotation boxes.",
        discussion: """
            Listens on 127.0.0.1 unless --bind names another address; --port 0 takes a free port. \
            Prints the address once it listens; stops on Ctrl-C. The page and its JSON endpoints \
            are described in docs/SERVE.md. \
            Example: aimport serve --store season.zarr --port 8080
            """)

    @OptionGroup var location: ArchiveLocation
    @Option(help: "The TCP port (0: a free one).") var port: Int = 8080
    @Option(help: "The address to listen on (another than loopback only when asked).") var bind: String = "127.0.0.1"
    @Flag(inversion: .prefixedNo, help: "Build a recording's spectrum overview in the background (stored in the archive, .zarrwlr/overviews) when it is first viewed zoomed out; without one, zoomed-out tiles show one FFT per column.")
    var buildOverviews = true

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port)") }
    }

    func run() async throws {
        let archive: ZarrwlrArchive.AudioArchive
        do {
            archive = try location.archive()
        } catch {
            throw ExitCode.reporting(error)
        }
        try await WebServer.run(ArchiveSite(archive: archive, buildsOverviews: buildOverviews), host: bind, port: port) { address in
            FileHandle.standardOutput.write(Data("aimport serve: \(address)\n".utf8))
        }
    }
}

/// `aimport overview`: builds the spectrum overviews zoomed-out views are drawn from.
struct Overview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overview",
        abstract: "Build recordings' spectrum overviews (the loudest level per band and frame, for zoomed-out spectrograms).",
        discussion: """
            Stored in the archive under .zarrwlr/overviews (docs/LAYOUT.md); `aimport serve` builds \
            missing ones itself when first needed, this builds them ahead. Recordings that have one \
            are skipped unless --rebuild. Example: aimport overview --store season.zarr
            """)

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "Recording ids (default: all).") var ids: [String] = []
    @Flag(help: "Build again where an overview exists.") var rebuild = false
    @Option(help: "Threads computing one recording's overview.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        try ParallelOption.check(workers, "--workers")
    }

    func run() async throws {
        do {
            let archive = try location.archive()
            if ids.isEmpty {
                // One recording's metadata at a time, whatever the archive's size.
                try archive.forEachRecording { summary throws(CodecError) in
                    if summary.damage == nil { try build(summary.id, in: archive) }
                }
            } else {
                for id in ids { try build(id, in: archive) }
            }
        } catch {
            throw ExitCode.reporting(error)
        }
    }

    /// Builds recording `id`'s overview unless it has one (or --rebuild), saying what it did.
    private func build(_ id: String, in archive: AudioArchive) throws(CodecError) {
        let reader = try archive.reader(for: id)
        if !rebuild, let stored = archive.overview(of: id, totalSamples: reader.totalSamples) {
            print("recording \(id): has an overview (\(stored.levelCount) levels)")
            return
        }
        let began = Date()
        var writer = try archive.overviewWriter(for: id, totalSamples: reader.totalSamples)
        try OverviewBuilder.build(reader, into: &writer, workers: workers)
        print("recording \(id): overview of \(SpectrumOverview.levelRows(totalSamples: reader.totalSamples).count) levels in \(String(format: "%.2f", Date().timeIntervalSince(began))) s")
    }
}
