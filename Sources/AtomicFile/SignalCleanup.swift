import CSignalCleanup

/// A temporary output file that a signal ending the process removes (SIGINT, SIGTERM, SIGHUP, once
/// `installSignalCleanup()` ran). Forget it when it has been renamed into place or removed.
public struct TemporaryFileMark: Sendable {
    private let slot: Int32

    public init(path: String) {
        slot = ssmtl_remember_temporary(path)
    }

    public func forget() {
        ssmtl_forget_temporary(slot)
    }
}

/// Installs the handlers that remove the marked temporaries, then end the process with the same signal (so the
/// shell still sees 130 for Ctrl-C). Call once at start-up; a command that handles Ctrl-C itself replaces them.
public func installSignalCleanup() {
    ssmtl_install_signal_cleanup()
}

/// For a command's own handler of a first Ctrl-C: what the second one does.
public let cleanupAndReraise: @convention(c) (Int32) -> Void = ssmtl_cleanup_and_reraise
