// Fuzz target: a NumPy .npy file read as the ShanghaiTech ground truth reads it: frame labels, and pixel masks with
// their regions and tracks.
@testable import Evaluation
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let path = "fuzz.npy"
    guard let array = try? NpyFile.parse(Array(UnsafeBufferPointer(start: bytes, count: count)), path: path) else { return 0 }
    _ = try? FrameLabelFile.labels(of: array, path: path)
    if array.shape.count == 3 {
        _ = try? ShanghaiTechGroundTruth.tracks(fromPixelMasks: array, frames: array.shape[0], path: path)
    }
    return 0
}
