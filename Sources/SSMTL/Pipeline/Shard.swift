import VideoIO

/// A bad shard specification: the text given and what is wrong with it, in one line.
public struct ShardError: Error, CustomStringConvertible {
    public let description: String
    init(_ text: String, _ problem: String) { description = "'\(text)': \(problem)" }
}

/// Shard K of N of a batch of videos (K counted from 0): N independent processes, each given the same inputs and its
/// own K, together score every video exactly once, on any machines that see the same files. A video is never split.
///
/// The assignment: the videos sorted by name (their output name, which discovery makes unique), the i-th of them to
/// shard i mod N. It depends only on the set of names and N, not on the machine, the order of a directory listing
/// or the absolute paths, so every process computes the same split without talking to the others.
///
/// Round-robin over sorted names rather than a hash of each name: it balances the shards (their video counts differ
/// by at most one; a hash can leave a shard with twice its share, and the array lasts as long as its slowest task).
/// What a hash would keep, each video's shard when videos are added, buys nothing here: a video whose outputs exist
/// is skipped by whichever shard it falls to. The price: every task must see the same set of videos, so the input
/// folders must not change while an array runs (after a change, run all N shards again; finished videos are skipped).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        try Self.check(index: index, count: count, text: "\(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// Reads `K/N`, e.g. `0/4`: two whole numbers, 0 ≤ K < N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ShardError(text, "expected K/N, shard K of N counted from 0 (e.g. 0/4)") }
        func number(_ part: Substring, _ name: String) throws -> Int {
            if part.count > 1, part.hasPrefix("-"), part.dropFirst().allSatisfy(\.isASCIIDigit) {
                throw ShardError(text, "\(name) must be at least 0 (shards are counted from 0)")
            }
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit) else {
                throw ShardError(text, "\(name) is not a whole number; expected K/N, shard K of N counted from 0 (e.g. 0/4)")
            }
            guard let value = Int(part) else { throw ShardError(text, "\(name) is too large") }
            return value
        }
        let index = try number(parts[0], "K"), count = try number(parts[1], "N")
        try Self.check(index: index, count: count, text: text)
        self.index = index
        self.count = count
    }

    /// `text`: the shard as the user wrote it, for the message.
    private static func check(index: Int, count: Int, text: String) throws {
        guard count >= 1 else { throw ShardError(text, "the number of shards N must be at least 1") }
        guard index >= 0 else { throw ShardError(text, "K must be at least 0 (shards are counted from 0)") }
        guard index < count else {
            throw ShardError(text, "K must be less than N (shards are counted from 0: 0/\(count) to \(count - 1)/\(count))")
        }
    }

    /// This shard's videos out of `videos` (all the inputs), in their given order.
    public func videos(of videos: [VideoSource]) -> [VideoSource] {
        // Names compared as UTF-8 bytes: an order that no locale or normalisation setting can change.
        let sorted = videos.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var mine = Set<String>()
        for (position, name) in sorted.enumerated() where position % count == index { mine.insert(name) }
        return videos.filter { mine.contains($0.name) }
    }

    public var description: String { "\(index)/\(count)" }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
