// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for every parser of zarrwlr and for whole import-index-extract pipelines.
/// Built apart from the main package (it needs `-sanitize=fuzzer`); see ../scripts/fuzz.
let package = Package(
    name: "zarrwlr-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "zarrwlr", path: "..")],
    targets: [
        .executableTarget(
            name: "Fz",
            dependencies: [
                .product(name: "ZarrStore", package: "zarrwlr"), .product(name: "CodecCore", package: "zarrwlr"),
                .product(name: "CodecFLAC", package: "zarrwlr"), .product(name: "CodecOpus", package: "zarrwlr"),
                .product(name: "CodecWavPack", package: "zarrwlr"),
                .product(name: "ZarrwlrArchive", package: "zarrwlr"), .product(name: "ZarrwlrC", package: "zarrwlr"),
            ]),
    ]
)
