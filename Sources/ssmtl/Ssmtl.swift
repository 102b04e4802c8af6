import ArgumentParser
import Foundation

@main
struct Ssmtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssmtl",
        abstract: "Object-centric self-supervised multi-task video anomaly detection (SSMTL).",
        discussion: "Run 'ssmtl help <command>' for the options of a command.",
        version: "0.1.0",
        subcommands: [Info.self, Detect.self, Synth.self, Eval.self, Bench.self])

    /// Usage errors go through ArgumentParser (message + usage); every other error ends as one line
    /// `ssmtl: error: <file>: <problem>` on stderr and exit code 1, never a trap or a stack trace.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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
