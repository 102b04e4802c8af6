// Fuzz target: a MAT v5 file (plain and miCOMPRESSED elements) read as the Avenue ground truth reads it: the
// variables, then the volLabel cell of masks with its regions and tracks.
@testable import Evaluation
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let path = "fuzz_label.mat"
    guard let variables = try? MatFile.parse(Array(UnsafeBufferPointer(start: bytes, count: count)), path: path) else { return 0 }
    _ = try? AvenueGroundTruth.video(from: variables, path: path, deriveRegions: true)
    return 0
}
