import Foundation
import XCTest
import TestScratch
@testable import SSMTL

/// Checkpoints found by `Scripts/fuzz.sh checkpoint` (docs/reliability.md): each is refused in one line naming the
/// file and the problem, before anything large is allocated.
final class CheckpointFuzzFindingsTests: XCTestCase {
    private var legacyModel: String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/legacy-model/model.safetensors").path
    }

    /// A 25 KB model whose metadata asks for a 4096-channel encoder (or a 65536-wide distillation head over 1024-pixel
    /// crops) made `loadForScoring` allocate gigabytes for the network before any tensor was compared with it.
    func testMetadataDescribingAHugeNetworkIsRefusedBeforeAllocation() throws {
        let scratch = try makeScratchFolder("ssmtl-fuzz-checkpoint")
        XCTAssertNoThrow(try ModelCheckpoint.loadForScoring(legacyModel))
        let cases: [(String, [String: String?])] = [
            ("wide-encoder", ["encoder_plan": "4096,4096,M,M"]),
            ("wide-head", ["crop_size": "1024", "head_channels": "4096", "teacher_width": "65536"]),
        ]
        for (name, changes) in cases {
            let path = scratch + "/\(name).safetensors"
            try SafetensorsHeader.rewriteMetadata(legacyModel, to: path, changes)
            XCTAssertThrowsError(try ModelCheckpoint.loadForScoring(path)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("checkpoint \(path): its metadata describes a network of at least"), text)
                XCTAssertTrue(text.contains("but the file holds 4999 values"), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
    }
}
