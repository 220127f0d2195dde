import AudioInput
import CodecCore
import ZarrStore

/// The C libraries this build links, with their versions, for `aimport version` and bug reports.
public enum LinkedLibraries {
    /// (library, version) pairs, sorted by name: each codec's of `codecs`, and the archive's own.
    public static func versions(codecs: CodecRegistry = .standard) -> [(library: String, version: String)] {
        let own: [(library: String, version: String)] = [("libsndfile", SndfileLibrary.version), ("libzstd", ZstdLibrary.version)]
        var all = own
        for backend in codecs.backends {
            for (name, version) in backend.linkedLibraries { all.append((name, version)) }
        }
        return all.sorted { $0.library.lowercased() < $1.library.lowercased() }
    }
}
