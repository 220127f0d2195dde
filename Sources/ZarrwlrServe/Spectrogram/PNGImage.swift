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
        var size = 0
        let measured = pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, Int32(width * 3), nil) }
        guard measured != 0, size > 0 else { throw CodecError(.library, "libpng could not size the tile") }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { target in
            pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, target.baseAddress, &size, 0, $0.baseAddress, Int32(width * 3), nil) }
        }
        png_image_free(&image)
        guard written != 0 else { throw CodecError(.library, "libpng could not write the tile") }
        return Array(bytes.prefix(size))
    }
}
