import Foundation

extension CodecError {
    /// Why a Foundation file operation failed, in the system's words ("Not a directory", "No
    /// space left on device") where Foundation wraps a POSIX error: its own description of one
    /// on Linux is only "The operation could not be completed (NSCocoaErrorDomain error 512)".
    public static func reason(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain, let code = Int32(exactly: posix.code) { return String(cString: strerror(code)) }
            return posix.localizedDescription
        }
        return error.localizedDescription
    }
}
