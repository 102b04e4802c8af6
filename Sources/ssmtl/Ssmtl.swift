import ArgumentParser

@main
struct Ssmtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssmtl",
        abstract: "Object-centric self-supervised multi-task video anomaly detection (SSMTL).",
        version: "0.1.0",
        subcommands: [Bench.self])
}
