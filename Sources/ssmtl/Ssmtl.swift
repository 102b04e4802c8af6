import ArgumentParser
import Foundation

@main
struct Ssmtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssmtl",
        abstract: "Object-centric self-supervised multi-task video anomaly detection (SSMTL).",
        discussion: "Run 'ssmtl help <command>' for the options of a command.",
        version: "0.1.0",
        subcommands: [Info.self, Detect.self, Train.self, Score.self, Eval.self, Synth.self, Bench.self])

    /// Usage errors go through ArgumentParser (message + usage); every other error ends as one line
    /// `ssmtl: error: <file>: <problem>` on stderr and exit code 1, never a trap or a stack trace.
    static func main() {
        // Past a file-size limit (ulimit -f) a write should fail with EFBIG and be reported like a full disk,
        // not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let stop as Interrupted {
            Terminal.error(stop.description)
            Foundation.exit(Interrupt.exitStatus(stop.signal))
        } catch {
            if isArgumentParserError(error) { exit(withError: error) }
            Terminal.error(String(describing: error))
            Foundation.exit(1)
        }
    }

    private static func isArgumentParserError(_ error: Error) -> Bool {
        error is ExitCode || error is CleanExit || error is ValidationError
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
