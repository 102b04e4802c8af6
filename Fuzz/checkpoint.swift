// Fuzz target: a model checkpoint as `ModelCheckpoint.loadForScoring` reads it: the safetensors container, the
// run's metadata (`CheckpointInfo`), the network it describes, the tensors loaded into it, and
// the event threshold `score` sets from the stored normal frame scores.
@testable import SSMTL
import NeuralNet
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let path = "fuzz.safetensors"
    guard let file = try? Safetensors.parse(Data(bytes: bytes, count: count), path: path) else { return 0 }
    guard let (_, info, _) = try? ModelCheckpoint.loadForScoring(file, path: path) else { return 0 }
    // What `score` then takes from the metadata: the event threshold on the normal frames at the model's σ.
    _ = info.normalFrameScores?.threshold(falseAlarmPercent: info.falseAlarmPercent, sigma: info.scoreSigma ?? 0)
    return 0
}
