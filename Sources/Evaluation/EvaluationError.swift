/// Every failure of the evaluation module: one line naming the file (or video) and the problem.
public struct EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
