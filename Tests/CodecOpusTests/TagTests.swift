import CodecCore
import COpus
import Foundation
import Testing
import TestSupport
@testable import CodecOpus

/// The source's title, artist, comment and date reach the stream's OpusTags (read back by
/// libopusfile) and the recording's attributes.
@Suite struct TagTests {
    @Test func sourceTagsAreKept() async throws {
        let folder = TemporaryFolder()
        let plain = try OpusFixtures.wav(in: folder, channels: 1, seconds: 1, name: "plain.wav")
        let tagged = folder.path + "/tagged.wav"
        // ffmpeg writes RIFF INFO chunks (INAM, IART, ICMT, ICRD) that libsndfile reads as tags.
        try ProcessRunner.run(OpusFixtures.ffmpeg, [
            "-v", "error", "-y", "-i", plain, "-metadata", "title=Dawn chorus", "-metadata", "artist=AudioMoth 249C",
            "-metadata", "comment=plot 7, oak", "-metadata", "date=2025-04-16", tagged,
        ])
        let (group, _) = try await OpusFixtures.importFile(tagged, in: folder)
        let tags = group.attributes["zarrwlr"]?["source"]?["tags"]
        #expect(tags?["title"] == "Dawn chorus")
        #expect(tags?["artist"] == "AudioMoth 249C")
        #expect(tags?["comment"] == "plot 7, oak")

        let stream = folder.path + "/blob.opus"
        try OpusFixtures.exportBlob(group, to: stream)
        var error: Int32 = 0
        let file = try #require(op_open_file(stream, &error))
        defer { op_free(file) }
        let opusTags = try #require(op_tags(file, -1))
        func query(_ name: String) -> String? { opus_tags_query(opusTags, name, 0).map { String(cString: $0) } }
        #expect(query("TITLE") == "Dawn chorus")
        #expect(query("ARTIST") == "AudioMoth 249C")
        #expect(query("COMMENT") == "plot 7, oak")
        #expect(query("DATE") == "2025-04-16")
    }
}
