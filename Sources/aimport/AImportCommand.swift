import ArgumentParser
import ZarrwlrArchive
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
        subcommands: [Import.self, List.self, Info.self, Extract.self, Annotate.self, Summary.self, Serve.self, Overview.self, Index.self, Verify.self, Export.self, Delete.self, SetMetadata.self, Collect.self, Demo.self, Version.self])

    /// Parses the command line as prepared by ``CommandWords`` (an unknown command is named as
    /// such, negative numbers reach their options) and runs the command.
    static func main() async {
        // Every command names itself: ArgumentParser derives a missing name from the type's name,
        // a lookup in all the process's protocol conformances (about 2 ms of every run).
        let names = configuration.subcommands.compactMap { $0.configuration.commandName ?? $0._commandName }
        let words = Array(CommandLine.arguments.dropFirst())
        if let unknown = CommandWords.unknownCommand(in: words, commands: names + ["help"]) {
            FileHandle.standardError.write(Data("aimport: \(unknown)\n".utf8))
            Self.exit(withError: ExitCode(ExitStatus.usage))
        }
        do {
            var command = try parseAsRoot(CommandWords.joiningNegativeNumbers(words))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// The command line before ArgumentParser sees it.
enum CommandWords {
    /// A message when the first word is neither an option nor a command (`aimport imprt ...`),
    /// naming the closest command; nil otherwise.
    static func unknownCommand(in words: [String], commands: [String]) -> String? {
        guard let first = words.first, !first.hasPrefix("-"), !commands.contains(first) else { return nil }
        let closest = commands.min { distance(first.lowercased(), $0) < distance(first.lowercased(), $1) }
        let hint = closest.flatMap { distance(first.lowercased(), $0) <= 2 ? " Did you mean '\($0)'?" : nil } ?? ""
        return "'\(first)' is not a command.\(hint) The commands: \(commands.filter { $0 != "help" }.joined(separator: ", ")) (aimport --help)"
    }

    /// `--from -1` as `--from=-1` (also `--timezone -03:30`): ArgumentParser takes a word that
    /// starts with '-' for an option, so a negative value would be reported as missing instead of checked.
    static func joiningNegativeNumbers(_ words: [String]) -> [String] {
        var out: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.hasPrefix("--"), !word.contains("="), index + 1 < words.count, words[index + 1].wholeMatch(of: #/-[0-9.].*/#) != nil {
                out.append(word + "=" + words[index + 1])
                index += 2
            } else {
                out.append(word)
                index += 1
            }
        }
        return out
    }

    /// Edit distance (insertions, deletions, substitutions) between two short words.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Exit codes in the sysexits style (see README "Exit codes").
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let software: Int32 = 70
    static let osError: Int32 = 71
    static let cantCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let noPermission: Int32 = 77
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
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
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the versions of the linked C libraries.")

    func run() {
        for (library, version) in LinkedLibraries.versions() {
            print("\(library.padding(toLength: 12, withPad: " ", startingAt: 0)) \(version)")
        }
    }
}
