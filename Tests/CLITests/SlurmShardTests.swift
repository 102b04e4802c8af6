import Foundation
import XCTest
import TestScratch

/// `Scripts/slurm/score.sbatch` on a real Slurm cluster: a job array of three shards writes exactly the files of one
/// `ssmtl score` process, and a task cancelled in the middle of a video leaves no partial file and, submitted again,
/// scores only what it had not finished. Needs a running cluster: `Scripts/test.sh` starts a one-node one
/// (`Scripts/slurm/local_cluster.sh`) and names its slurm.conf in SSMTL_SLURM_CONF; without it the tests skip.
final class SlurmShardTests: XCTestCase {
    private static let script = CLI.packageRoot.appendingPathComponent("Scripts/slurm/score.sbatch").path

    func testAJobArrayOfThreeShardsWritesTheFilesOfOneProcess() throws {
        let slurm = try Slurm.fromEnvironment()
        let scratch = try makeScratchFolder("ssmtl-slurm")
        let (model, _) = try TrainInterruptTests.trainTinyModel(in: scratch)
        let videos = try TinyScene.makeVideos(in: scratch + "/batch", count: 5, frames: 12)
        let whole = scratch + "/whole", sharded = scratch + "/sharded"
        let one = try CLI.run(["score", scratch + "/batch", "--model", model, "--out", whole, "--threads", "1"])
        XCTAssertEqual(one.status, 0, one.stderr)

        let job = try slurm.submit(Self.script, array: "0-2", logs: scratch + "/logs",
                                   arguments: ["--model", model, "--out", sharded, scratch + "/batch"])
        let tasks = try slurm.wait(for: job)
        XCTAssertEqual(tasks.keys.sorted(), [0, 1, 2])
        for (task, end) in tasks { XCTAssertEqual(end, .init(state: "COMPLETED", exitCode: "0:0"), "task \(task): \(job.log(task))") }
        for (task, count) in [(0, 2), (1, 2), (2, 1)] {
            XCTAssertTrue(job.log(task).contains("score: shard \(task)/3 scores \(count) of the 5 videos"), job.log(task))
        }
        try assertSameFiles(sharded, whole, videos: videos.count)
    }

    func testACancelledTaskSubmittedAgainFinishesWithoutRedoingItsVideos() throws {
        let slurm = try Slurm.fromEnvironment()
        let scratch = try makeScratchFolder("ssmtl-slurm")
        let (model, _) = try TrainInterruptTests.trainTinyModel(in: scratch)
        // Shard 0 of 3 scores video0, then video3 (sorted names, every third). video3 is long, so that the test
        // can cancel the task while it is being scored.
        let batch = scratch + "/batch"
        let videos = try TinyScene.makeVideos(in: batch, count: 5, frames: 12)
        try lengthen(videos[3], to: 600, from: try TinyScene.makeVideos(in: scratch + "/long", count: 1, frames: 40)[0])
        let out = scratch + "/sharded"

        let first = try slurm.submit(Self.script, array: "0-2", logs: scratch + "/logs",
                                     arguments: ["--model", model, "--out", out, batch])
        // Cancel task 0 once video0 is written and video3's regions file is being written (its hidden temporary).
        let deadline = Date().addingTimeInterval(300)
        func inProgress() -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            return names.contains("video0.csv") && names.contains { $0.hasPrefix(".video3.regions.txt.tmp-") }
        }
        while !inProgress() && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(inProgress(), "task 0 never reached video3: \(first.log(0))")
        XCTAssertEqual(try slurm.run("scancel", ["\(first.id)_0"]).status, 0)
        let ended = try slurm.wait(for: first)
        XCTAssertEqual(ended[0]?.state, "CANCELLED", first.log(0))
        XCTAssertEqual(ended[1], .init(state: "COMPLETED", exitCode: "0:0"), first.log(1))
        XCTAssertEqual(ended[2], .init(state: "COMPLETED", exitCode: "0:0"), first.log(2))
        let left = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(left, ["events.json"] + [0, 1, 2, 4].flatMap { ["video\($0).csv", "video\($0).events.csv", "video\($0).regions.txt"] },
                       "no trace of video3, not even a temporary")

        // Task 0 again (an array of one, so the number of shards is given): video0 is skipped, video3 scored.
        let finished = try Self.identity(out + "/video0.csv")
        let again = try slurm.submit(Self.script, array: "0", shards: 3, logs: scratch + "/logs",
                                     arguments: ["--model", model, "--out", out, batch])
        XCTAssertEqual(try slurm.wait(for: again), [0: .init(state: "COMPLETED", exitCode: "0:0")], again.log(0))
        XCTAssertTrue(again.log(0).contains("score: 1 videos, 600 frames"), again.log(0))
        XCTAssertTrue(again.log(0).contains("1 already scored"), again.log(0))
        XCTAssertEqual(try Self.identity(out + "/video0.csv"), finished, "video0 was not written again")

        let whole = scratch + "/whole"
        let one = try CLI.run(["score", batch, "--model", model, "--out", whole, "--threads", "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        try assertSameFiles(out, whole, videos: videos.count)
    }

    /// Tasks 1 and 2 alone cannot tell how many shards there are: without SSMTL_SHARDS they stop before scoring,
    /// saying so, instead of splitting the videos in two.
    func testAPartialArrayWithoutTheShardCountIsRefused() throws {
        let slurm = try Slurm.fromEnvironment()
        let scratch = try makeScratchFolder("ssmtl-slurm")
        let out = scratch + "/scores"
        let job = try slurm.submit(Self.script, array: "1-2", logs: scratch + "/logs",
                                   arguments: ["--model", scratch + "/missing.safetensors", "--out", out, scratch])
        let ends = try slurm.wait(for: job)
        XCTAssertEqual(ends, [1: .init(state: "FAILED", exitCode: "64:0"), 2: .init(state: "FAILED", exitCode: "64:0")])
        XCTAssertTrue(job.log(1).contains("the array 1-2 is not 0-1: set SSMTL_SHARDS to the number of shards"), job.log(1))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Fills `folder` with `frames` frames, the frames of `source` over and over (objects in every frame).
    private func lengthen(_ folder: String, to frames: Int, from source: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".png") }.sorted()
        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for t in 0..<frames {
            try FileManager.default.copyItem(atPath: source + "/" + files[t % files.count], toPath: folder + String(format: "/%04d.png", t))
        }
    }

    /// A file's inode and modification time: both change when the file is written again (a new file renamed over it).
    private static func identity(_ path: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return "\(attributes[.systemFileNumber] ?? "?") \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }

    private func assertSameFiles(_ folder: String, _ reference: String, videos: Int, line: UInt = #line) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: reference).sorted()
        XCTAssertEqual(files.count, 3 * videos + 1, "a .csv, .events.csv and .regions.txt per video, and events.json: \(files)", line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), files, line: line)
        XCTAssertGreaterThan(FileManager.default.contents(atPath: reference + "/video0.regions.txt")?.count ?? 0, 0, "objects were scored", line: line)
        for file in files {
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/" + file), FileManager.default.contents(atPath: reference + "/" + file),
                           file, line: line)
        }
    }
}

/// The cluster named by SSMTL_SLURM_CONF, driven with its client commands.
private struct Slurm {
    let conf: String

    /// A submitted job array and the folder of its tasks' logs.
    struct Job: CustomStringConvertible {
        let id: String
        let logs: String
        var description: String { id }

        /// What array task `task` wrote (stdout and stderr).
        func log(_ task: Int) -> String {
            (try? String(contentsOfFile: "\(logs)/\(id)_\(task).out", encoding: .utf8)) ?? "(no log for task \(task))"
        }
    }

    struct TaskEnd: Equatable {
        var state: String
        var exitCode: String
    }

    /// Only a cluster named for the tests: SLURM_CONF alone may be a real cluster, which tests must not submit to.
    static func fromEnvironment() throws -> Slurm {
        guard let conf = ProcessInfo.processInfo.environment["SSMTL_SLURM_CONF"], !conf.isEmpty else {
            throw XCTSkip("no Slurm cluster: Scripts/test.sh starts one with Scripts/slurm/local_cluster.sh and sets SSMTL_SLURM_CONF")
        }
        guard FileManager.default.fileExists(atPath: conf) else { throw XCTSkip("SSMTL_SLURM_CONF names \(conf), which does not exist") }
        return Slurm(conf: conf)
    }

    /// Runs a Slurm command (sbatch, squeue, scontrol, scancel) against the cluster.
    func run(_ command: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["SLURM_CONF": conf]) { $1 }) { $1 }
        return try CLI.collect(process)
    }

    /// Submits `script` as the job array `array` (e.g. "0-2") with the binary under test; returns the array's job id.
    func submit(_ script: String, array: String, shards: Int? = nil, logs: String, arguments: [String]) throws -> Job {
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var environment = ["SSMTL": try CLI.executable.path]
        if let shards { environment["SSMTL_SHARDS"] = "\(shards)" }
        let r = try run("sbatch", ["--parsable", "--array=\(array)", "--chdir=\(logs)", "--output=\(logs)/%A_%a.out", script] + arguments,
                        environment: environment)
        guard r.status == 0, let id = r.stdout.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
              !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SlurmFailure(description: "sbatch failed (\(r.status)): \(r.stderr)")
        }
        return Job(id: id, logs: logs)
    }

    /// Waits until no task of `job` is pending or running (at most `timeout` seconds; then cancels it and fails), and
    /// returns each task's final state and exit code, as scontrol keeps them after the job (MinJobAge).
    func wait(for job: Job, timeout: TimeInterval = 300) throws -> [Int: TaskEnd] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let queued = try run("squeue", ["-h", "-j", job.id, "-o", "%i %T"])
            guard queued.status == 0 else { throw SlurmFailure(description: "squeue failed: \(queued.stderr)") }
            if queued.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
            if Date() > deadline {
                _ = try run("scancel", [job.id])
                throw SlurmFailure(description: "job \(job) still queued or running after \(Int(timeout)) s: \(queued.stdout)")
            }
            usleep(200_000)
        }
        let shown = try run("scontrol", ["show", "job", "-o", job.id])
        guard shown.status == 0 else { throw SlurmFailure(description: "scontrol show job \(job) failed: \(shown.stderr)") }
        var ends: [Int: TaskEnd] = [:]
        for record in shown.stdout.split(separator: "\n") {
            var fields: [String: String] = [:]
            for pair in record.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            guard let task = fields["ArrayTaskId"].flatMap({ Int($0) }), let state = fields["JobState"], let exit = fields["ExitCode"] else {
                throw SlurmFailure(description: "unexpected scontrol record: \(record)")
            }
            ends[task] = TaskEnd(state: state, exitCode: exit)
        }
        return ends
    }
}

private struct SlurmFailure: Error, CustomStringConvertible {
    let description: String
}
