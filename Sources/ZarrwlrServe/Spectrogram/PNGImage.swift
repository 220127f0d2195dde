import CodecCore
internal import CPNG

/// An 8-bit RGB image encoded as PNG with libpng's simplified API (`png_image_write_to_memory`:
/// no callbacks and no longjmp; libpng reports a failure in the image's status).
struct PNGImage {
    let width: Int
    let height: Int
    /// Row-major RGB bytes, `width x height x 3`.
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    func encoded() throws(CodecError) -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_RGB)
        // One pass when the buffer suffices (libpng compresses the image on every call): room
        // for the image stored uncompressed plus more than deflate's and PNG's overheads.
        let raw = height * (1 + width * 3)
        var size = raw + raw / 64 + 4_096
        var bytes = [UInt8](repeating: 0, count: size)
        var written = write(&image, into: &bytes, size: &size)
        if written == 0, size > bytes.count {
            bytes = [UInt8](repeating: 0, count: size)
            image.warning_or_error = 0
            written = write(&image, into: &bytes, size: &size)
        }
        png_image_free(&image)
        guard written != 0 else { throw CodecError(.library, "libpng could not write the tile") }
        return Array(bytes.prefix(size))
    }

    /// `png_image_write_to_memory` into `bytes`: nonzero when written; `size` then holds the
    /// PNG's length (or, when `bytes` was too small, the length it needs).
    private func write(_ image: inout png_image, into bytes: inout [UInt8], size: inout Int) -> Int32 {
        size = bytes.count
        return bytes.withUnsafeMutableBytes { target in
            pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, target.baseAddress, &size, 0, $0.baseAddress, Int32(width * 3), nil) }
        }
    }
}
