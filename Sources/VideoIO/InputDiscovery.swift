import Foundation

/// Video container extensions recognised when a folder of videos is given.
public let videoFileExtensions: Set<String> = ["avi", "mp4", "mkv", "mov", "webm", "mpg", "mpeg", "m4v", "wmv", "flv", "ts", "y4m", "nut"]

/// One video found in the user's input.
public struct VideoSource: Sendable, Equatable {
    public var name: String
    public var path: String
    public var isFrameFolder: Bool

    public init(name: String, path: String, isFrameFolder: Bool) {
        self.name = name
        self.path = path
        self.isFrameFolder = isFrameFolder
    }
}

/// Expands command-line inputs into videos. An input is a video file, a folder of frames (one video),
/// or a folder of videos and/or frame folders (a dataset split), listed in natural order.
public func discoverVideos(_ inputs: [String]) throws -> [VideoSource] {
    var found: [VideoSource] = []
    for input in inputs {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw VideoIOError(input, "no such file or folder")
        }
        if !isDirectory.boolValue {
            found.append(VideoSource(name: videoName(forPath: input), path: input, isFrameFolder: false))
            continue
        }
        if try !imageFiles(inFolder: input).isEmpty {
            found.append(VideoSource(name: videoName(forPath: input), path: input, isFrameFolder: true))
            continue
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: input)
            .filter { !$0.hasPrefix(".") }.sorted(by: naturalLess)
        var inFolder: [VideoSource] = []
        for entry in entries {
            let path = (input as NSString).appendingPathComponent(entry)
            var entryIsDirectory: ObjCBool = false
            // An entry removed since the listing (or a dangling link) is not an input.
            guard FileManager.default.fileExists(atPath: path, isDirectory: &entryIsDirectory) else { continue }
            if entryIsDirectory.boolValue {
                if try !imageFiles(inFolder: path).isEmpty {
                    inFolder.append(VideoSource(name: entry, path: path, isFrameFolder: true))
                }
            } else if videoFileExtensions.contains((entry as NSString).pathExtension.lowercased()) {
                inFolder.append(VideoSource(name: videoName(forPath: path), path: path, isFrameFolder: false))
            }
        }
        guard !inFolder.isEmpty else {
            throw VideoIOError(input, "no videos found (expected a video file, a folder of images, or a folder of those)")
        }
        found += inFolder
    }
    var seen: [String: String] = [:]
    for video in found {
        if let other = seen[video.name] {
            throw VideoIOError(video.path, "two inputs share the video name '\(video.name)' (also \(other)); outputs would collide")
        }
        seen[video.name] = video.path
    }
    return found
}
