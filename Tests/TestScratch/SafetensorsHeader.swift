import Foundation

/// Reads and edits the JSON header of a safetensors file (metadata and tensor table) without touching the tensors:
/// how the tests make checkpoints an earlier version, or a corrupt file, would hold.
public enum SafetensorsHeader {
    /// The header's JSON text.
    public static func text(of path: String) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        return String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    }

    /// The `__metadata__` entries.
    public static func metadata(of path: String) throws -> [String: String] {
        let json = try JSONSerialization.jsonObject(with: Data(try text(of: path).utf8)) as? [String: Any]
        return json?["__metadata__"] as? [String: String] ?? [:]
    }

    /// Writes `path`'s tensors to `destination` with its header passed through `edit`.
    public static func rewrite(_ path: String, to destination: String, _ edit: (String) -> String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = edit(String(decoding: bytes[8..<(8 + length)], as: UTF8.self))
        var newHeader = Array(header.trimmingCharacters(in: .whitespaces).utf8)
        while newHeader.count % 8 != 0 { newHeader.append(0x20) }
        var newLength = UInt64(newHeader.count).littleEndian
        try Data(withUnsafeBytes(of: &newLength) { Array($0) } + newHeader + bytes[(8 + length)...])
            .write(to: URL(fileURLWithPath: destination))
    }

    /// Writes `path` to `destination` with metadata keys set (a nil value removes the key).
    public static func rewriteMetadata(_ path: String, to destination: String, _ changes: [String: String?]) throws {
        try rewrite(path, to: destination) { header in
            guard var json = (try? JSONSerialization.jsonObject(with: Data(header.utf8))) as? [String: Any] else { return header }
            var metadata = json["__metadata__"] as? [String: String] ?? [:]
            for (key, value) in changes { metadata[key] = value }
            json["__metadata__"] = metadata
            let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data(header.utf8)
            return String(decoding: data, as: UTF8.self)
        }
    }
}
