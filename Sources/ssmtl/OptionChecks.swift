import ArgumentParser
import Foundation

/// The largest `--batch` of any command: a batch's activations grow with it (4096 objects of the deep-wide network
/// are already tens of GB).
let maximumBatch = 4096

/// Thread counts beyond this are typing mistakes: every command starts one worker per thread up front.
let maximumThreads = 256

/// `--threads` of every command: 0 (all cores, or FFmpeg's choice for decoding) up to `maximumThreads`.
func validateThreadCount(_ threads: Int) throws {
    guard (0...maximumThreads).contains(threads) else {
        throw ValidationError("--threads must lie in 0...\(maximumThreads) (0 = all cores)")
    }
}
