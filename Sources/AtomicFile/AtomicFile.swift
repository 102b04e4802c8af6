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
        temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(temporaryFileTag)"
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

/// What names a temporary file as this process's: `tmp-<pid>@<host>`. A temporary is `.<name>.<tag>` beside its
/// target (`.<stem>.<tag>.<ext>` for videos, whose container follows the extension). The host (its short name) lets
/// a later run tell the temporaries of ended processes on this machine from those of live processes elsewhere that
/// write into the same shared folder (score --shard on several nodes).
public let temporaryFileTag: String = "tmp-\(getpid())@\(shortHostName)"

private let shortHostName: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let short = name.prefix { $0 != "." }.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    return short.isEmpty ? "localhost" : String(short)
}()

/// Removes the hidden temporaries (`.<name>.tmp-<pid>@<host>[.<ext>]`) in `directory` that processes of this host
/// left when they were killed outright (kill -9, a power cut: no handler runs), and returns their names. Temporaries
/// of running processes and of other hosts are left alone. Runs that write into a folder call it first, so killed
/// runs leave no litter once the work is run again.
@discardableResult
public func removeTemporariesOfEndedProcesses(in directory: String) -> [String] {
    guard let folder = opendir(directory.isEmpty ? "." : directory) else { return [] }
    var names: [String] = []
    while let entry = readdir(folder) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        names.append(name)
    }
    closedir(folder)
    var removed: [String] = []
    for name in names where name.hasPrefix(".") {
        guard endedProcess(ofTemporary: name) != nil else { continue }
        let path = (directory.isEmpty ? "" : directory + "/") + name
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
        if unlink(path) == 0 { removed.append(name) }
    }
    return removed
}

/// The process id in a temporary's name when that process ran on this host and has ended; nil otherwise.
func endedProcess(ofTemporary name: String) -> Int32? {
    let bytes = Array(name.utf8), marker = Array(".tmp-".utf8)
    guard bytes.count > marker.count,
          let start = (0...(bytes.count - marker.count)).reversed().first(where: { Array(bytes[$0..<$0 + marker.count]) == marker })
    else { return nil }
    let rest = bytes[(start + marker.count)...]
    let digits = rest.prefix { $0 >= 0x30 && $0 <= 0x39 }
    guard !digits.isEmpty, digits.count <= 9, let pid = Int32(String(decoding: digits, as: UTF8.self)), pid > 0, pid != getpid()
    else { return nil }
    let afterPid = rest.dropFirst(digits.count)
    guard afterPid.first == UInt8(ascii: "@") else { return nil }
    let host = afterPid.dropFirst().prefix { $0 != UInt8(ascii: ".") }
    guard String(decoding: host, as: UTF8.self) == shortHostName else { return nil }
    guard kill(pid, 0) != 0 && errno == ESRCH else { return nil }
    return pid
}
