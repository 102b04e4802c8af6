// Fuzz target: a frame-score file (`<video>.csv`, header frame,score,...) as `eval` reads it, by the default
// column and by another one.
@testable import Evaluation
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? ScoreFileReader.parseFrameScores(data, path: "fuzz.csv")
    _ = try? ScoreFileReader.parseFrameScores(data, path: "fuzz.csv", column: "aot")
    return 0
}
