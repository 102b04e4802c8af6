// Fuzz target: a track file (`tracks/<video>.txt`: track_id,frame_idx,x_min,y_min,x_max,y_max).
import Evaluation
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    _ = try? TrackFile.parse(text, path: "fuzz-tracks.txt")
    return 0
}
