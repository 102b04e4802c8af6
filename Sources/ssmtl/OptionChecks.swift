import ArgumentParser
import Foundation

/// The largest `--batch` of any command: a batch's activations grow with it (4096 objects of the deep-wide network
/// are already tens of GB).
let maximumBatch = 4096

/// Thread counts beyond this are typing mistakes: every command starts one worker per thread up front.
let maximumThreads = 256

/// `--threads` of every command: 0 (all cores, or FFmpeg's choice for decoding) up to `maximumThreads`.
func validateThreadCount(_ threads: Int) throws {
    guard (0...maximumThreads).contains(threads) else {
        throw ValidationError("--threads must lie in 0...\(maximumThreads) (0 = all cores)")
    }
}

/// Creates an output folder (and its parents), or says in one line why it cannot: a file in the way, no
/// permission, a read-only file system. (Foundation's own error prints as a multi-line NSError dump, or as
/// "error 512" for a file where a parent folder should be, hence mkdir(2) and the system's words.)
func makeOutputFolder(_ path: String, what: String) throws {
    guard !path.isEmpty else { throw CommandFailure("\(what) is an empty path") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CommandFailure("\(path): \(what) is a file, not a folder") }
        guard access(path, W_OK) == 0 else { throw CommandFailure("\(path): \(what) is not writable") }
        return
    }
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            throw CommandFailure("\(path): cannot create \(what): \(String(cString: strerror(errno)))")
        }
        if !FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw CommandFailure("\(path): cannot create \(what): \(prefix) is a file, not a folder")
        }
    }
}

/// Checks before a long run that its output file can be written: not a folder, in a folder that exists (created
/// when missing) and is writable. Otherwise the first epoch's work would be lost at the first save.
func checkOutputFile(_ path: String, option: String) throws {
    guard !path.isEmpty else { throw CommandFailure("\(option) is an empty path") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw CommandFailure("\(path): \(option) names a folder; give a file name such as \(path)/model.safetensors")
    }
    let parent = (path as NSString).deletingLastPathComponent
    guard !parent.isEmpty else { return }
    try makeOutputFolder(parent, what: "the folder of \(option)")
}
