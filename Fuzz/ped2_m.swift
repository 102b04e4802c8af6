// Fuzz target: the UCSD Ped2 `UCSDped2.m` file: its gt_frame ranges, then each video's labels as `eval` builds
// them without mask folders.
import Evaluation
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    guard let videos = try? Ped2GroundTruth.parseFrameRanges(text, path: "UCSDped2.m") else { return 0 }
    for ranges in videos { _ = Ped2GroundTruth.labels(ranges: ranges, frameCount: nil) }
    return 0
}
