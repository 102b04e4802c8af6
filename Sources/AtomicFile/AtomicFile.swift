// Output files appear whole or not at all: the bytes go to a hidden temporary file beside the target, are
// flushed to disk (fsync), and the temporary is renamed over the target (rename(2) is atomic on one file
// system). On any failure (disk full, file too large, no permission) the temporary is removed and an existing
// target is left untouched.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

public struct AtomicWriteError: Error, CustomStringConvertible {
    /// What failed, e.g. "cannot write: No space left on device".
    public let reason: String
    public var description: String { reason }
}

/// Writes `bytes` to `path` atomically (see above). Throws only AtomicWriteError, with the system's reason.
public func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())"
    func failure(_ what: String) -> AtomicWriteError {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        return AtomicWriteError(reason: "\(what): \(reason)")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("cannot create a file in \(directory)") }
    var written = 0
    while written < bytes.count {
        let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { let e = failure("cannot write"); close(fd); throw e }
        written += n
    }
    guard fsync(fd) == 0 else { let e = failure("cannot flush to disk"); close(fd); throw e }
    guard close(fd) == 0 else { throw failure("cannot close") }
    guard rename(temporary, path) == 0 else { throw failure("cannot move into place") }
}

public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    try bytes.withUnsafeBytes { try writeAtomically($0, to: path) }
}
