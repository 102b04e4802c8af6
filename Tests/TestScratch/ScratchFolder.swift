import Foundation
import XCTest

extension XCTestCase {
    /// A fresh folder in $TMPDIR, removed with its contents when the test ends, passed or failed (the suite runs
    /// often; left behind, these pile up by the thousand). Removal waits for teardown, after the test has looked
    /// at the files its subprocesses left there.
    public func makeScratchFolder(_ prefix: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
