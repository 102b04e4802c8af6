import Foundation
import XCTest

enum EvalPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }
    static let datasets = packageRoot.appendingPathComponent("../shared/datasets").standardizedFileURL

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture(name))))
    }

    /// A real dataset folder, or a skip when the shared datasets are not beside the package.
    static func dataset(_ relative: String) throws -> String {
        let path = datasets.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("real data not present at \(path)") }
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}


/// Asserts that `body` throws an EvaluationError whose text contains `fragment`.
func assertEvaluationError(_ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error containing '\(fragment)'", file: file, line: line)
    } catch {
        let text = String(describing: error)
        XCTAssertTrue(text.contains(fragment), "error '\(text)' does not contain '\(fragment)'", file: file, line: line)
        XCTAssertFalse(text.contains("\n"), "error must be one line: \(text)", file: file, line: line)
    }
}
