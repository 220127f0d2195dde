import ArgumentParser
import CodecCore
import Foundation
import ZarrwlrArchive
import ZarrStore

/// `aimport annotate`: selection and detection tables kept in the archive as named layers.
struct Annotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Keep selection and detection tables (Raven, BirdNET, CSV) in the archive as named layers.",
        discussion: """
            A row goes to the recording imported from the file it names (Begin File, Begin Path or \
            BirdNET's File) at File Offset (s) (or its begin time, in a single-file table and in \
            BirdNET's CSV), to --recording when it names no file, or by its Begin Date and Begin \
            Clock Time to the recording holding that instant (read in --timezone, default UTC). \
            Seconds become samples by rounding to the nearest sample, halves up. A row that matches \
            no recording or several, or runs past the end of its recording, is reported with its \
            line and nothing is imported (unless --skip-unplaced). \
            Examples: aimport annotate import --store season.zarr --layer birdnet BirdNET_results.csv; \
            aimport annotate export --store season.zarr --layer birdnet --output birdnet.selections.txt; \
            aimport extract --store season.zarr --layer birdnet --where 'confidence >= 0.8' --pad 0.5 --output-dir clips/
            """,
        subcommands: [ImportTable.self, ListLayers.self, ExportLayer.self, DeleteLayer.self])
}

/// How a table's rows find their recordings: the options `annotate import` and `extract --selections` share.
struct TablePlacementOptions: ParsableArguments {
    @Option(help: "Column names for fields the table names otherwise: field=Column pairs, e.g. begin=Start,end=Stop,label=Class,confidence=Score,file=Path (fields: begin, end, low_hz, high_hz, channel, label, confidence, file, file_offset).")
    var columns: String?
    @Option(help: "The recording of a table that names no files (its begin times are seconds in it).") var recording: String?
    @Option(help: "The time zone of the table's Begin Date and Begin Clock Time: an offset (+02:00) or an IANA name (Europe/Berlin); default UTC.")
    var timezone: String?
    @Option(help: "Place wall-clock rows among this device's recordings only.") var device: String?

    func validate() throws {
        if let timezone, TimeZoneSpec(timezone) == nil {
            throw ValidationError("--timezone must be an offset such as +02:00 or Z, or an IANA time zone name such as Europe/Berlin, not '\(timezone)'")
        }
    }

    func placement() throws(CodecError) -> AudioArchive.TablePlacement {
        var placement = AudioArchive.TablePlacement()
        if let columns { placement.columns = try SelectionTable.ColumnMapping(parsing: columns) }
        placement.recording = recording
        placement.timeZone = timezone.flatMap(TimeZoneSpec.init)
        placement.device = device
        return placement
    }
}

extension Annotate {
    struct ImportTable: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a table as a layer.")

        @OptionGroup var location: ArchiveLocation
        @Option(help: "The layer's name (letters, digits, -, _ and .).") var layer: String
        @Argument(help: "The table: a Raven selection table (tab-separated), a BirdNET table, or a CSV; - reads standard input.") var table: String
        @OptionGroup var placement: TablePlacementOptions
        @Flag(help: "Replace a layer of that name.") var replace = false
        @Flag(help: "Import the rows that can be placed; report the others on stderr.") var skipUnplaced = false

        func run() throws {
            do {
                let archive = try location.archive()
                let table = self.table, tableName = RereadableFile.name(of: table)
                let (stored, skipped, encoding) = try archive.importLayer(layer, from: table, placement: try placement.placement(), replacing: replace, skippingUnplaced: skipUnplaced) { problem in
                    FileHandle.standardError.write(Data("aimport: \(tableName): line \(problem.line) not imported: \(problem.message)\n".utf8))
                }
                if encoding != .utf8 {
                    FileHandle.standardError.write(Data("aimport: \(tableName): not UTF-8 text: read as \(encoding.rawValue), the Western European encoding Windows programs write\n".utf8))
                }
                print("layer \(layer): \(stored.rows) rows on \(stored.recordings) recordings, \(stored.labels) labels\(skipped == 0 ? "" : "; \(skipped) rows not placed")")
            } catch {
                throw ExitCode.reporting(error)
            }
        }
    }

    struct ListLayers: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the layers.")

        @OptionGroup var location: ArchiveLocation
        @Flag(help: "Print a JSON array.") var json = false

        func run() throws {
            do {
                let archive = try location.archive()
                var objects: [JSONValue] = []
                if !json { print("layer\trows\trecordings\tlabels\tsource\timported") }
                for name in try archive.layerNames() {
                    let layer = try archive.layer(name)
                    let recordings = layer.recordings.count, labels = layer.labels.count
                    if json {
                        let object: [String: JSONValue] = [
                            "layer": .string(name), "rows": .int(Int64(layer.rowCount)), "recordings": .int(Int64(recordings)),
                            "labels": .int(Int64(labels)), "source": .string(layer.source), "imported_at": .string(layer.importedAt),
                        ]
                        objects.append(.object(object))
                    } else {
                        print([name, String(layer.rowCount), String(recordings), String(labels), layer.source, layer.importedAt].map(TerminalText.escaped).joined(separator: "\t"))
                    }
                }
                if json { print(String(decoding: JSONValue.array(objects).serialized(), as: UTF8.self)) }
            } catch {
                throw ExitCode.reporting(error)
            }
        }
    }

    struct ExportLayer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write a layer as a Raven selection table or a CSV.",
            discussion: "Raven: Begin Time (s) runs on across the recordings in the order of their starts, with Begin File and File Offset (s) per row; times to the nanosecond, so that importing the export gives the same samples.")

        @OptionGroup var location: ArchiveLocation
        @Option(help: "The layer.") var layer: String
        @Option(help: "raven or csv.") var format: String = "raven"
        @Option(help: "The file to write, or - for stdout.") var output: String
        @Flag(help: "Replace an existing output file.") var force = false

        func validate() throws {
            guard LayerExport.Format(rawValue: format) != nil else { throw ValidationError("--format must be raven or csv, not '\(format)'") }
        }

        func run() throws {
            Interruption.install(message: "interrupted: nothing was written")
            do throws(CodecError) {
                let archive = try location.archive()
                let stored = try archive.layer(layer)
                let recordings = try archive.recordings(), tableFormat = LayerExport.Format(rawValue: format) ?? .raven
                let orphans: Int
                if output == "-" {
                    orphans = try Self.write(stored, as: tableFormat, recordings: recordings, to: ByteOutput.standardOutput())
                } else {
                    let file = try OutputFile(output, force: force)
                    defer { file.discard() }
                    orphans = try Self.write(stored, as: tableFormat, recordings: recordings, to: try ByteOutput.file(file.partial))
                    try file.commit()
                    print("\(output): \(stored.rowCount - (tableFormat == .raven ? orphans : 0)) rows")
                }
                if orphans > 0 {
                    let done = tableFormat == .raven ? "left out" : "given without seconds or file"
                    FileHandle.standardError.write(Data("aimport: layer \(layer): \(orphans) row\(orphans == 1 ? "" : "s") of recordings not in the archive (deleted) or damaged \(done); `aimport gc` removes those of deleted ones\n".utf8))
                }
            } catch {
                throw ExitCode.reporting(error)
            }
        }

        /// The layer's table written line by line through a buffer of about 1 MiB (a stdout closed
        /// by its reader ends the export quietly).
        private static func write(_ layer: AnnotationLayer, as format: LayerExport.Format, recordings: [AudioArchive.Summary], to output: ByteOutput) throws(CodecError) -> Int {
            var buffer: [UInt8] = []
            var readerLeft = false
            func flush() throws(CodecError) {
                do {
                    try buffer.withUnsafeBytes { try output.write($0) }
                } catch let error as CodecError {
                    throw error
                } catch {
                    // ByteOutput.PipeClosed: the reader has all it wanted; stop here.
                    readerLeft = true
                    throw CodecError(.storage, "standard output was closed")
                }
                buffer.removeAll(keepingCapacity: true)
            }
            do {
                let orphans = try LayerExport.write(layer, as: format, recordings: recordings) { (line) throws(CodecError) in
                    buffer += line.utf8
                    buffer.append(UInt8(ascii: "\n"))
                    if buffer.count >= 1 << 20 { try flush() }
                }
                try flush()
                return orphans
            } catch where readerLeft {
                return 0
            }
        }
    }

    struct DeleteLayer: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a layer.")

        @OptionGroup var location: ArchiveLocation
        @Option(help: "The layer.") var layer: String

        func run() throws {
            do {
                try location.archive().deleteLayer(layer)
                print("layer \(layer) deleted")
            } catch {
                throw ExitCode.reporting(error)
            }
        }
    }
}
