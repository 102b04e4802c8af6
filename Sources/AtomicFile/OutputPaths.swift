import Foundation

/// Checks on output paths made before long work starts, each failure one line in the system's words. (Foundation's
/// own error prints as a multi-line NSError dump, or as "error 512" for a file where a parent folder should be,
/// hence mkdir(2) and strerror.)
public enum OutputPaths {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Creates a folder (and its parents), or says why it cannot: a file in the way, no permission, a read-only file
    /// system. `what` names it in the message ("the --out folder").
    public static func makeFolder(_ path: String, what: String) throws {
        guard !path.isEmpty else { throw Problem("\(what) is an empty path") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Problem("\(path): \(what) is a file, not a folder") }
            guard access(path, W_OK) == 0 else { throw Problem("\(path): \(what) is not writable") }
            return
        }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Problem("\(path): cannot create \(what): \(String(cString: strerror(errno)))")
            }
            if !FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) || !isDirectory.boolValue {
                throw Problem("\(path): cannot create \(what): \(prefix) is a file, not a folder")
            }
        }
    }

    /// Checks that a file can be written later: not a folder, in a folder that exists (created when missing) and is
    /// writable. Otherwise a long run's first result would be lost at its first save.
    public static func checkFile(_ path: String, what: String) throws {
        guard !path.isEmpty else { throw Problem("\(what) is an empty path") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Problem("\(path): \(what) names a folder; give a file name such as \(path)/model.safetensors")
        }
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty else { return }
        try makeFolder(parent, what: "the folder of \(what)")
    }
}
