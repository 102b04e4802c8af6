import Foundation
import XCTest

/// What a checkpoint file holds, read apart from the project's own reader: the `__metadata__`, the bytes after the
/// header (every tensor, in file order) and each tensor's bytes by name.
public struct SafetensorsContents {
    public let metadata: [String: String]
    public let body: Data
    public let tensors: [String: Data]

    public init(_ path: String) throws {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), path)
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        metadata = try XCTUnwrap(header.removeValue(forKey: "__metadata__") as? [String: String])
        body = data.subdata(in: (8 + length)..<data.count)
        var tensors: [String: Data] = [:]
        for (name, entry) in header {
            let offsets = try XCTUnwrap((entry as? [String: Any])?["data_offsets"] as? [Int], name)
            tensors[name] = data.subdata(in: (8 + length + offsets[0])..<(8 + length + offsets[1]))
        }
        self.tensors = tensors
    }
}
