import CSignalCleanup
import Foundation

/// A temporary output file that a signal ending the process removes (SIGINT, SIGTERM, SIGHUP, once
/// `installSignalCleanup()` ran). Forget it when it has been renamed into place or removed. Forgetting twice is
/// harmless: the slot is released once, so it cannot unregister another file that has taken the slot since.
/// Used by the one thread that writes the file.
public final class TemporaryFileMark {
    private let slot: Int32
    private var forgotten = false

    public init(path: String) {
        slot = ssmtl_remember_temporary(path)
    }

    public func forget() {
        guard !forgotten else { return }
        forgotten = true
        ssmtl_forget_temporary(slot)
    }

    deinit { forget() }
}

/// Installs the handlers that remove the marked temporaries, then end the process with the same signal (so the
/// shell still sees 130 for Ctrl-C). Call once at start-up; a command that handles Ctrl-C itself replaces them.
public func installSignalCleanup() {
    ssmtl_install_signal_cleanup()
}

/// For a command's own handler of a first Ctrl-C: what the second one does.
public let cleanupAndReraise: @convention(c) (Int32) -> Void = ssmtl_cleanup_and_reraise

/// Folders named `<prefix><pid>` or `<prefix><pid>-<anything>` in `directory` whose process no longer exists: the
/// work folders of runs killed outright (kill -9, a second Ctrl-C), which could not remove their own. Removes them.
public func removeFoldersOfEndedProcesses(in directory: String, prefix: String) {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
        guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0, pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
    }
}
