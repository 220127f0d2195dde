import ArgumentParser
import AudioImport
import CodecCore
import ZarrStore
import Foundation

@main
struct AImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aimport",
        abstract: "Field recordings into an indexed Zarr v3 archive, any sample range back out.",
        discussion: """
            Codecs: \(CodecRegistry.standard.backends.map { "\($0.codecID.rawValue) (\($0.isLossless ? "lossless" : "lossy"))" }.joined(separator: ", ")). \
            The README has the exit codes; each command's --help its options. Shell completion: \
            aimport --generate-completion-script bash|zsh|fish.
            """,
        subcommands: [Import.self, List.self, Info.self, Extract.self, Index.self, Verify.self, Export.self, Delete.self, SetMetadata.self, Collect.self, Demo.self, Version.self])
}

/// Exit codes in the sysexits style (see README "Exit codes").
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let software: Int32 = 70
    static let cantCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let noPermission: Int32 = 77
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a bundled recording into a new store, extract a second of it, and check it against the source.",
        discussion: "Also runs the store self-check. Without --store, everything happens in a temporary folder that is removed afterwards.")

    @Option(help: "Write the demo stores here (kept afterwards) instead of a temporary folder.")
    var store: String?

    @Option(help: "Import this file instead of the bundled AudioMoth recording.")
    var input: String?

    /// The bundled example, found from this source file's place in the repository.
    static var bundledRecording: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/recordings/20250416_000000.WAV").path
    }

    func run() async throws {
        let keep = store != nil
        let folder = store ?? (NSTemporaryDirectory() + "zarrwlr-demo-" + UUID().uuidString)
        defer { if !keep { try? FileManager.default.removeItem(atPath: folder) } }
        do {
            let report = try await DemoRun(source: input ?? Self.bundledRecording, storeFolder: folder + "/archive.zarr").run()
            print(report)
            print("")
            let check = try StoreSelfCheck(folder: folder + "/selfcheck.zarr").run()
            print(check)
            if !keep { print("(temporary stores removed; pass --store PATH to keep them)") }
            if !report.segmentMatchesSource || !check.passed { throw ExitCode(ExitStatus.software) }
        } catch let error as CodecError {
            FileHandle.standardError.write(Data("aimport demo: \(error)\n".utf8))
            throw ExitCode(error.code == .noInput ? ExitStatus.noInput : ExitStatus.dataError)
        } catch let error as ZarrError {
            FileHandle.standardError.write(Data("aimport demo: \(error)\n".utf8))
            throw ExitCode(ExitStatus.cantCreate)
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the versions of the linked C libraries.")

    func run() {
        for (library, version) in LinkedLibraries.versions() {
            print("\(library.padding(toLength: 12, withPad: " ", startingAt: 0)) \(version)")
        }
    }
}
