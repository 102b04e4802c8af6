import ArgumentParser
import AtomicFile
import Foundation

@main
struct Ssmtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssmtl",
        abstract: "Object-centric self-supervised multi-task video anomaly detection (SSMTL).",
        discussion: "Run 'ssmtl help <command>' for the options of a command.",
        version: "0.1.0",
        subcommands: [Info.self, Detect.self, Train.self, Score.self, Eval.self, Report.self, Plant.self, Synth.self, Bench.self])

    /// Every error ends as one line on stderr, never a trap or a stack trace: `ssmtl: error: <file>: <problem>` and
    /// exit code 1, or for a bad command line `ssmtl: error: <problem> (see ssmtl help ...)` and exit code 64.
    static func main() {
        // Past a file-size limit (ulimit -f) a write should fail with EFBIG and be reported like a full disk,
        // not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        // A signal that ends the process removes the output files it was writing (train handles Ctrl-C itself).
        installSignalCleanup()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let stop as Interrupted {
            Terminal.error(stop.description)
            Foundation.exit(Interrupt.exitStatus(stop.signal))
        } catch {
            if isArgumentParserError(error) { exitForCommandLine(error, arguments: arguments) }
            Terminal.error(String(describing: error))
            Foundation.exit(1)
        }
    }

    /// Help and version go out as ArgumentParser prints them; a bad command line gets one line naming the help to
    /// read, instead of the message followed by the whole usage.
    private static func exitForCommandLine(_ error: Error, arguments: [String]) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        var command: ParsableCommand.Type = Ssmtl.self, names: [String] = []
        for argument in arguments {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            names.append(argument)
            command = sub
        }
        let message = self.message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        Terminal.error("\(message) (see 'ssmtl help\(names.map { " " + $0 }.joined())')")
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }

    private static func isArgumentParserError(_ error: Error) -> Bool {
        error is ExitCode || error is CleanExit || error is ValidationError
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
