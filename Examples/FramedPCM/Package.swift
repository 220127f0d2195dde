// swift-tools-version: 6.0
import PackageDescription

/// A codec from outside the zarrwlr repository: framed uncompressed PCM with a CRC-32 per
/// frame, written against zarrwlr's public plugin contract only (see README.md).
let package = Package(
    name: "FramedPCM",
    platforms: [.macOS(.v15)],
    products: [.library(name: "FramedPCM", targets: ["FramedPCM"])],
    dependencies: [.package(name: "zarrwlr", path: "../..")],
    targets: [
        .target(name: "FramedPCM", dependencies: [
            .product(name: "CodecCore", package: "zarrwlr"), .product(name: "AudioInput", package: "zarrwlr"),
            .product(name: "ZarrStore", package: "zarrwlr"),
        ]),
        .testTarget(name: "FramedPCMTests", dependencies: [
            "FramedPCM", .product(name: "ZarrwlrArchive", package: "zarrwlr"), .product(name: "AudioInput", package: "zarrwlr"), .product(name: "CodecConformance", package: "zarrwlr"),
            .product(name: "CodecCore", package: "zarrwlr"), .product(name: "ZarrStore", package: "zarrwlr"),
        ]),
    ]
)
