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
    let file = try AtomicFileStream(path: path)
    try file.append(bytes)
    try file.commit()
}

/// A file written piece by piece that appears whole or not at all: appends go to the hidden temporary file,
/// `commit()` flushes and renames it over the target; `discard()` (or dropping the stream uncommitted) removes it.
/// Throws only AtomicWriteError.
public final class AtomicFileStream {
    public let path: String
    private let temporary: String
    private let mark: TemporaryFileMark
    private var fd: Int32

    public init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())"
        mark = TemporaryFileMark(path: temporary)  // before the file exists, so no signal can find it unmarked
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            mark.forget()
            throw AtomicWriteError(reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
    }

    deinit { discard() }

    /// The error for `what` with the system's reason; closes and removes the temporary (never called after the
    /// rename succeeded, so it cannot remove a later stream's temporary of the same name).
    private func failure(_ what: String) -> AtomicWriteError {
        let error = AtomicWriteError(reason: "\(what): \(String(cString: strerror(errno)))")
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary)
        mark.forget()
        return error
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw AtomicWriteError(reason: "cannot write: the file was already closed") }
        var written = 0
        while written < bytes.count {
            let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("cannot write") }
            written += n
        }
    }

    public func append(_ text: String) throws {
        var text = text
        try text.withUTF8 { try append(UnsafeRawBufferPointer($0)) }
    }

    /// Flushes to disk and moves the file into place.
    public func commit() throws {
        guard fd >= 0 else { throw AtomicWriteError(reason: "cannot commit: the file was already closed") }
        guard fsync(fd) == 0 else { throw failure("cannot flush to disk") }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw failure("cannot close") }
        guard rename(temporary, path) == 0 else { throw failure("cannot move into place") }
        mark.forget()
    }

    /// Removes the temporary file; the target is left as it was.
    public func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporary)
        mark.forget()
    }
}

public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    try bytes.withUnsafeBytes { try writeAtomically($0, to: path) }
}
