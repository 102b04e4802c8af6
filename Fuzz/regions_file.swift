// Fuzz target: a predicted-regions file (`<video>.regions.txt`: frame_id,x_min,y_min,x_max,y_max,anomaly_score).
@testable import Evaluation
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? ScoreFileReader.parseRegions(Data(bytes: bytes, count: count), path: "fuzz.regions.txt")
    return 0
}
