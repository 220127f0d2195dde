import ArgumentParser
import AudioImport
import ZarrStore
import Foundation

@main
struct AImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aimport",
        abstract: "Field recordings into an indexed Zarr v3 archive, any sample range back out.",
        discussion: "Importing and extracting recordings arrive with the codec backends; today the tool checks the store layer.",
        subcommands: [Demo.self, Version.self])
}

/// Exit codes in the sysexits style (see README "Exit codes").
enum ExitStatus {
    static let software: Int32 = 70
    static let cantCreate: Int32 = 73
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the store self-check in a temporary folder and print what it did.")

    @Option(help: "Write the self-check store here instead of a temporary folder (kept afterwards).")
    var store: String?

    func run() throws {
        let keep = store != nil
        let folder = store ?? (NSTemporaryDirectory() + "zarrwlr-demo-" + UUID().uuidString)
        defer { if !keep { try? FileManager.default.removeItem(atPath: folder) } }
        do {
            let report = try StoreSelfCheck(folder: folder).run()
            print(report)
            if !keep { print("(temporary store removed; pass --store PATH to keep it)") }
            if !report.passed { throw ExitCode(ExitStatus.software) }
        } catch let error as ZarrError {
            FileHandle.standardError.write(Data("aimport demo: \(error)\n".utf8))
            throw ExitCode(ExitStatus.cantCreate)
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the versions of the linked C libraries.")

    func run() {
        for (library, version) in LinkedLibraries.versions {
            print("\(library.padding(toLength: 12, withPad: " ", startingAt: 0)) \(version)")
        }
    }
}
