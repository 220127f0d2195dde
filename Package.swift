// swift-tools-version: 6.0
import PackageDescription

/// zarrwlr: field recordings into an indexed Zarr v3 archive, any sample range back out.
///
/// Dependencies point one way:
/// `ZarrStore <- CodecCore (the plugin contract, no C library) <- AudioInput (libsndfile PCM
/// input, SHA-256) <- CodecFLAC / CodecOpus / CodecWavPack <- ZarrwlrArchive <- aimport`.
/// C libraries come from Debian packages through pkg-config; see README.md.
let package = Package(
    name: "zarrwlr",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZarrStore", targets: ["ZarrStore"]),
        .library(name: "CodecCore", targets: ["CodecCore"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "AudioInput", targets: ["AudioInput"]),
        .library(name: "CodecFLAC", targets: ["CodecFLAC"]),
        .library(name: "CodecOpus", targets: ["CodecOpus"]),
        .library(name: "CodecWavPack", targets: ["CodecWavPack"]),
        .library(name: "CodecConformance", targets: ["CodecConformance"]),
        .library(name: "ZarrwlrArchive", targets: ["ZarrwlrArchive"]),
        .executable(name: "aimport", targets: ["aimport"]),
        // The C ABI for other languages (the Python package in python/).
        .library(name: "ZarrwlrC", type: .dynamic, targets: ["ZarrwlrC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
    ],
    targets: [
        // System-library shims: one per C library, imported with `internal import` only.
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CFLAC", path: "Sources/CFLAC", pkgConfig: "flac",
            providers: [.apt(["libflac-dev"]), .brew(["flac"])]),
        .systemLibrary(
            name: "COgg", path: "Sources/COgg", pkgConfig: "ogg",
            providers: [.apt(["libogg-dev"]), .brew(["libogg"])]),
        .systemLibrary(
            name: "COpus", path: "Sources/COpus", pkgConfig: "opusfile",
            providers: [.apt(["libopus-dev", "libopusfile-dev", "libopusenc-dev"]),
                        .brew(["opus", "opusfile", "libopusenc"])]),
        .systemLibrary(
            name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(
            name: "CWavPack", path: "Sources/CWavPack", pkgConfig: "wavpack",
            providers: [.apt(["libwavpack-dev"]), .brew(["wavpack"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(
            name: "CSndfile", path: "Sources/CSndfile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"]), .brew(["libsndfile"])]),
        .systemLibrary(
            name: "CSoxr", path: "Sources/CSoxr", pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"]), .brew(["libsoxr"])]),
        .systemLibrary(
            name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"]), .brew(["fftw"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),

        .target(name: "ZarrStore", dependencies: ["CZstd"]),
        .target(name: "CodecCore", dependencies: ["ZarrStore"]),
        .target(name: "ObjectStore", dependencies: ["ZarrStore", "CCurl", "CCrypto"]),
        .target(name: "AudioInput", dependencies: ["CodecCore", "ZarrStore", "CSndfile", "CCrypto"]),
        .target(name: "CodecFLAC", dependencies: ["CodecCore", "AudioInput", "CFLAC"]),
        .target(name: "CodecOpus", dependencies: ["CodecCore", "AudioInput", "COgg", "COpus"]),
        .target(name: "CodecWavPack", dependencies: ["CodecCore", "AudioInput", "CWavPack"]),
        .target(name: "CodecConformance", dependencies: ["CodecCore", "AudioInput", "ZarrStore"]),
        .target(name: "ZarrwlrArchive", dependencies: ["ZarrStore", "CodecCore", "AudioInput", "ObjectStore", "CodecFLAC", "CodecOpus", "CodecWavPack", "CSoxr"]),
        .target(
            name: "ZarrwlrC", dependencies: ["ZarrwlrArchive", "CodecCore", "ZarrStore"],
            // The Swift runtime is looked up beside the library (the Python package bundles it), not in the toolchain.
            linkerSettings: [.unsafeFlags(["-no-toolchain-stdlib-rpath", "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN"])]),
        // `aimport serve`: the web view (spectrogram tiles, playback, annotations).
        .target(
            name: "ZarrwlrServe",
            dependencies: ["ZarrwlrArchive", "CodecCore", "AudioInput", "ZarrStore", "CFFTW", "CPNG", .product(name: "Hummingbird", package: "hummingbird")]),
        .executableTarget(
            name: "aimport",
            dependencies: [
                "ZarrwlrArchive", "ZarrwlrServe", "AudioInput", "CodecCore", "ZarrStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .executableTarget(
            name: "zarrwlr-bench",
            dependencies: [
                "ZarrStore", "CodecCore", "AudioInput", "ZarrwlrArchive", "ObjectStore", "CodecFLAC", "CodecOpus", "CodecWavPack", "CSndfile", "COpus", "COgg", "CWavPack", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/Bench"),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "ZarrStoreTests", dependencies: ["ZarrStore", "TestSupport"],
            exclude: ["Interop/zarr_python_side.py"]),
        .testTarget(
            name: "CodecFLACTests", dependencies: ["CodecFLAC", "CodecCore", "AudioInput", "CodecConformance", "ZarrStore", "TestSupport"],
            exclude: ["variable_blocksize.py", "odd_streams.py"]),
        .testTarget(
            name: "CodecOpusTests", dependencies: ["CodecOpus", "CodecCore", "AudioInput", "CodecConformance", "ZarrStore", "COpus", "COgg", "TestSupport"]),
        .testTarget(
            name: "CodecWavPackTests", dependencies: ["CodecWavPack", "CodecCore", "AudioInput", "CodecConformance", "ZarrStore", "TestSupport"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "ZarrStore", "TestSupport"]),
        .testTarget(
            name: "ZarrwlrArchiveTests", dependencies: ["ZarrwlrArchive", "AudioInput", "CodecCore", "CodecFLAC", "ObjectStore", "ZarrStore", "TestSupport", "CPNG"],
            exclude: ["snippet_reference.py", "zarr_python_s3.py", "s3_fault_proxy.py", "power_cut.py"]),
    ]
)
