import Foundation
import ZarrwlrArchive
import ZarrwlrC

/// The C ABI's handles under a schedule the input chooses: one thread reads through handles
/// (live, freed, or numbers that were never handles) while another frees and opens them, frees
/// twice and closes the archive under the readers. Under AddressSanitizer a use after free or a
/// double free is a crash; typed errors are the expected outcome.
enum HandleSchedule {
    /// A small archive made once per process: one 0.1 s 16-bit recording "0".
    static let store: String? = {
        let folder = FuzzTargets.scratch + "/handles-store"
        let wav = FuzzTargets.scratch + "/handles.wav"
        try? FileManager.default.createDirectory(atPath: FuzzTargets.scratch, withIntermediateDirectories: true)
        let frames = 4_800
        var bytes = Array("RIFF".utf8) + littleEndian(UInt32(36 + frames * 2), 4) + Array("WAVEfmt ".utf8)
        bytes += littleEndian(16, 4) + littleEndian(1, 2) + littleEndian(1, 2) + littleEndian(48_000, 4) + littleEndian(96_000, 4)
        bytes += littleEndian(2, 2) + littleEndian(16, 2) + Array("data".utf8) + littleEndian(UInt32(frames * 2), 4)
        for k in 0..<frames { bytes += littleEndian(UInt32(UInt16(bitPattern: Int16(sin(Double(k) * 0.05) * 8_000))), 2) }
        guard FileManager.default.createFile(atPath: wav, contents: Data(bytes)), let archive = try? AudioArchive.openOrCreate(storePath: folder) else { return nil }
        let done = DispatchSemaphore(value: 0)
        Task {
            defer { done.signal() }
            _ = try? await archive.importFile(wav)
        }
        done.wait()
        return folder
    }()

    private static func littleEndian(_ value: UInt32, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8((value >> (8 * UInt32($0))) & 0xFF) }
    }

    static func run(_ bytes: [UInt8]) {
        guard let store, bytes.count >= 2 else { return }
        var error: UnsafeMutablePointer<CChar>?
        guard let archive = zw_archive_open(store, 0, &error) else { zw_free(error); return }
        let readers = (0..<3).map { _ in zw_reader_open(archive, "0", nil) }
        // Handles the schedule names, as the numbers they are: the archive, the readers, and
        // numbers that are none.
        let pool: [Int] = ([archive] + readers).map { Int(bitPattern: $0) } + bytes.prefix(4).map { Int($0) + 1 }
        let half = bytes.count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { side in
            var error: UnsafeMutablePointer<CChar>?
            if side == 0 {
                var out = [Int16](repeating: 0, count: 480)
                for byte in bytes[..<half] {
                    let handle = UnsafeMutableRawPointer(bitPattern: pool[Int(byte) % pool.count])
                    _ = out.withUnsafeMutableBytes { zw_reader_read(handle, Int64(byte % 8) * 100, Int64(byte % 8) * 100 + 480, 0, $0.baseAddress, Int64($0.count), &error) }
                    zw_free(error)
                    error = nil
                }
            } else {
                for byte in bytes[half...] {
                    let handle = UnsafeMutableRawPointer(bitPattern: pool[Int(byte >> 2) % pool.count])
                    switch byte % 4 {
                    case 0: zw_reader_free(handle)
                    case 1: zw_archive_free(handle)
                    case 2: zw_reader_free(zw_reader_open(handle, "0", &error))
                    default: zw_free(zw_archive_recording(handle, "0", &error))
                    }
                    zw_free(error)
                    error = nil
                }
            }
        }
        for reader in readers { zw_reader_free(reader) }
        zw_archive_free(archive)
    }
}
