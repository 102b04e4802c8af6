// Fuzz target: the image-file checks the project makes itself before FFmpeg decodes a still (FFmpeg's decoders are
// not in scope): the walk of a JPEG's segments to the end-of-image marker.
@testable import VideoIO
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // (The decoder checks the marker first; the walk is fed every input, marker or not.)
    _ = ImageDecoder.jpegEndsAfterItsScan(Data(bytes: bytes, count: count))
    return 0
}
