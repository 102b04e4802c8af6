// Fuzz target: a Darknet .weights file decoded against a fixed small cfg (every layer kind that holds weights:
// convolution with and without batch norm, grouped, and a connected layer).
import Detection
import Foundation

let network = try! DarknetNetwork.parse("""
    [net]
    width=8
    height=8
    channels=3
    [convolutional]
    batch_normalize=1
    filters=4
    size=3
    pad=1
    activation=leaky
    [maxpool]
    size=2
    stride=2
    [convolutional]
    filters=4
    groups=2
    size=1
    activation=linear
    [connected]
    output=3
    batch_normalize=1
    activation=linear
    """, file: "fuzz-fixed.cfg")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    if let weights = try? DarknetWeights.decode(Data(bytes: bytes, count: count), network: network, file: "fuzz.weights") {
        _ = try? weights.encode(network: network)
    }
    return 0
}
