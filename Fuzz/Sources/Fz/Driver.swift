import Foundation

// libFuzzer's driver: SwiftPM names an executable's entry point `<Module>_main`; here it hands
// control to libFuzzer, which calls `LLVMFuzzerTestOneInput` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// libFuzzer's entry for one input (also used when the driver replays a corpus or a crash).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTargets.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_cdecl("Fz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    if let folder = ProcessInfo.processInfo.environment["FUZZ_MAKE_SEEDS"] {
        do {
            try FuzzSeeds.write(target: FuzzTargets.target, into: folder, repository: ProcessInfo.processInfo.environment["FUZZ_REPOSITORY"] ?? "..")
            return 0
        } catch {
            FileHandle.standardError.write(Data("cannot make seeds: \(error)\n".utf8))
            return 70
        }
    }
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
