// Fuzz target: a Darknet .cfg as `DarknetNetwork.load(cfgPath:)` reads it (UTF-8 check, parse, shape building),
// then what the detector prints from it. Thrown errors are the expected outcome of bad input.
import Detection
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let text = String(data: Data(bytes: bytes, count: count), encoding: .utf8) else { return 0 }
    if let network = try? DarknetNetwork.parse(text, file: "fuzz.cfg") {
        _ = network.parameterCount
        _ = network.layerTable()
        _ = network.warnings
        _ = network.yoloLayers
    }
    return 0
}
