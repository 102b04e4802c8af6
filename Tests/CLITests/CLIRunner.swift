import Foundation
import XCTest

/// Runs the `ssmtl` executable that `swift test` builds beside the test bundle.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        get throws {
            // The test bundle sits in .build/<config>/; so does the executable.
            var directory = Bundle.main.bundleURL
            for _ in 0..<3 {
                let candidate = directory.appendingPathComponent("ssmtl")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            for config in ["debug", "release"] {
                let candidate = packageRoot.appendingPathComponent(".build/\(config)/ssmtl")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw XCTSkip("the ssmtl executable is not built (run `swift build` first)")
        }
    }

    /// Runs the binary. fileSizeLimitKB: under `ulimit -f` (a write past the limit fails part-way, like a full disk).
    static func run(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitKB: Int? = nil) throws -> CLIResult {
        let process = Process()
        if let limit = fileSizeLimitKB {
            let command = ([try executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(limit); exec \(command)"]
        } else {
            process.executableURL = try executable
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try collect(process)
    }

    /// Runs a prepared process with no input and returns its exit status and what it printed.
    static func collect(_ process: Process) throws -> CLIResult {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty process cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts the binary with no input and stdout discarded; its stderr is collected in the background (so a chatty
    /// process cannot block): `stderrSoFar()` while it runs, `finish()` once it has ended (waits for the last bytes).
    static func start(_ arguments: [String]) throws -> (process: Process, stderrSoFar: () -> String, finish: () -> String) {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let collected = CollectedOutput()
        err.fileHandleForReading.readabilityHandler = { collected.append($0.availableData) }
        try process.run()
        return (process, { collected.text }, {
            err.fileHandleForReading.readabilityHandler = nil
            collected.append(err.fileHandleForReading.readDataToEndOfFile())
            return collected.text
        })
    }

    static let videoFixtures = packageRoot.appendingPathComponent("Tests/VideoIOTests/Fixtures")
}


/// Bytes a pipe's handler appends from another thread.
final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.lock(); data.append(more); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
