import ArgumentParser
import Foundation
import ZarrwlrArchive
import ZarrwlrServe

/// `aimport serve`: the archive in a browser.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
        try await WebServer.run(ArchiveSite(archive: archive), host: bind, port: port) { address in
            FileHandle.standardOutput.write(Data("aimport serve: \(address)\n".utf8))
        }
    }
}
