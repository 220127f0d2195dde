import ZarrwlrArchive
import CodecCore
import Foundation
import Testing
import ZarrStore

/// Recording metadata crafted with numbers no recorder makes: refused as damaged or kept out of
/// arithmetic, never a trap.
@Suite struct CraftedStoreTests {
    static func summary(id: String, rate: Int64, start: String, total: Int64 = 48_000, channels: Int64 = 1, bits: Int64 = 16) -> AudioArchive.Summary {
        AudioArchive.Summary(id: id, attributes: [
            "codec": "flac", "sample_rate": .int(rate), "channels": .int(channels), "bits_per_sample": .int(bits),
            "total_samples": .int(total), "arrays": [:], "start_time": ["iso8601": .string(start)],
        ])
    }

    @Test(arguments: [
        ("sample_rate", Int64(1) << 62), ("sample_rate", 0), ("sample_rate", -48_000),
        ("channels", 70_000), ("channels", 0), ("bits_per_sample", 65), ("bits_per_sample", 0),
    ])
    func numbersNoRecordingHasAreRefusedNamingTheKey(_ key: String, _ value: Int64) throws {
        var attributes = Self.summary(id: "0", rate: 48_000, start: "2025-04-16T04:30:00Z").attributes.objectValue ?? [:]
        attributes[key] = .int(value)
        let error = #expect(throws: CodecError.self) { try RecordingDescription(attributes: attributes) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains(key) == true)
    }

    /// The largest rate a description allows, at a start in the year 9999, next to an ordinary
    /// recording: a span over the ordinary one resolves exactly, one over the far one is
    /// refused or resolved, never a trap.
    @Test func extremeRatesAndStartsDoNotOverflowTheTimeline() throws {
        let timeline = Timeline([
            Self.summary(id: "0", rate: 48_000, start: "2025-04-16T04:30:00Z"),
            Self.summary(id: "1", rate: Int64(UInt32.max), start: "9999-12-31T23:59:59Z", total: Int64.max / 2),
            Self.summary(id: "2", rate: Int64(1) << 62, start: "2025-04-16T04:30:00Z"),
        ])
        #expect(timeline.entries.map(\.id) == ["0", "1"])
        let span = try timeline.span(at: try #require(Instant("2025-04-16T04:30:00.5Z")), duration: 0.25)
        #expect(span.pieces == [.recording(id: "0", range: 24_000..<36_000)])
        let far = #expect(throws: CodecError.self) {
            try timeline.span(at: try #require(Instant("1970-01-01T00:00:00Z")), duration: 1e9, fillGaps: false)
        }
        #expect(far?.code == .invalidArgument)
        // On its own, the 2^62 Hz recording once made `duration x rate` overflow Int64 (a trap).
        let crafted = Timeline([Self.summary(id: "2", rate: Int64(1) << 62, start: "2025-04-16T04:30:00Z")])
        let refused = #expect(throws: CodecError.self) { try crafted.span(at: try #require(Instant("2025-04-16T04:30:00.5Z")), duration: 2) }
        #expect(refused?.code == .invalidArgument)
    }
}
