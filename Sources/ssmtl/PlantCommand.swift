import ArgumentParser
import Foundation
import SSMTL
import VideoIO

struct Plant: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plant object-level pseudo-anomalies in normal videos: a label-free check of a trained model.",
        discussion: """
            Writes OUT/frames/<video>-p<k>/ (planted copies k = 1...--variants of each video, PNG frames), \
            OUT/gt/<video>-p<k>.txt (one 0/1 label per frame), OUT/gt/tracks/<video>-p<k>.txt (anomaly tracks) and \
            OUT/plan.csv (every stretch). Stretches of 16 frames, 12-36 normal frames apart, take turns among three \
            kinds: speed (the region around one moving object shows every third frame), reverse (it plays backwards) \
            and paste (an object cut from a donor video moves across the frame at 1.2-2 times the usual object height), \
            and a fourth with --objects: ridden (one of the video's own moving objects, followed by its boxes, gets a \
            vehicle photograph 0.6 times its height over its lower part). Objects are found by the motion detector with its default settings. The same seed and inputs give the same \
            files. Give it videos the model did not train on (train's validation videos), then:
              ssmtl score OUT/frames --model M --out S && ssmtl eval --scores S --gt OUT/gt --dataset generic
            The micro AUC is the planted AUC, a label-free measure of the model (docs/experiments.md); eval's \
            per-column AUCs give each head's. OUT must not exist: it appears whole when planting ends.
            """)

    @Argument(help: "Normal videos: video files, frame folders, or folders of those.")
    var inputs: [String]

    @Option(help: "Output folder (must not exist).")
    var out: String

    @Option(parsing: .upToNextOption, help: "Videos whose objects are pasted (another scene makes the pasted objects look foreign). Default: the inputs.")
    var donors: [String] = []

    @Option(help: ArgumentHelp("Folder of vehicle photographs (NAME.png with its opacity in NAME.mask.png), planted as the ridden kind; Scripts/fetch_plant_objects.sh writes one. Default: no ridden kind.", valueName: "dir"))
    var objects: String?

    @Option(help: "Planted copies of each video, each with other stretches.")
    var variants = 4

    @Option(help: "Random seed of the plan.")
    var seed: UInt64 = 1

    @Option(help: "Frames read from each video and donor.")
    var maxFrames = 900

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard (1...100).contains(variants) else { throw ValidationError("--variants must lie in 1...100") }
        guard (24...1_000_000).contains(maxFrames) else { throw ValidationError("--max-frames must lie in 24...1000000") }
    }

    func run() throws {
        let targets = try discoverVideos(inputs)
        let donorVideos = donors.isEmpty ? nil : try discoverVideos(donors)
        var options = PlantRun.Options()
        options.variants = variants
        options.seed = seed
        options.maxFrames = maxFrames
        if let objects { options.objects = try PlantedObjects.load(folder: objects) }
        let summary = try PlantRun.run(targets: targets, donors: donorVideos, out: out, options: options) {
            Terminal.note($0, quiet: quiet)
        }
        let kinds = PlantedKind.allCases.map { "\(summary.stretches[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        print("plant: \(summary.videos) planted videos, \(summary.frames) frames (\(summary.anomalousFrames) anomalous); stretches: \(kinds); in \(out)")
    }
}
