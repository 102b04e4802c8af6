// Graceful interruption of long commands: the first SIGINT (Ctrl-C), SIGTERM or SIGHUP only raises a flag that the
// work loops poll between batches, so files being written are finished (they are written atomically anyway)
// and the command can say how to continue. A second signal kills the process at once.
import AtomicFile
import Foundation
import Synchronization

enum Interrupt {
    private static let flag = Atomic<Int32>(0)

    /// The signal that was received, or nil.
    static var received: Int32? {
        let s = flag.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    static func install() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { s in
                Interrupt.flag.store(s, ordering: .relaxed)
                signal(s, cleanupAndReraise)  // a second Ctrl-C ends the process at once, removing temporaries
            }
        }
    }

    /// Exit status of a process stopped by `signal`, as shells report it.
    static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }
}

/// Thrown by a command that stopped because of `Interrupt`; `main` prints it and exits with 128 + signal.
struct Interrupted: Error, CustomStringConvertible {
    let signal: Int32
    let description: String
}
