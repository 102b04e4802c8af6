import Foundation

/// Streams the frames of one video, from a file FFmpeg decodes or from a folder of images,
/// as packed RGB24 or GRAY8, optionally resized. Holds one frame at a time.
///
///     let reader = try FrameReader(path: "01.avi")
///     while let frame = try reader.next() { ... }
public final class FrameReader {
    public let info: VideoInfo
    public let layout: PixelLayout
    private let source: Source
    private var nextIndex = 0

    private enum Source {
        case file(FileDecoder, PixelConverter)
        case folder(files: [String], ImageDecoder)
    }

    /// Frame folders carry no rate; this is the usual rate of the surveillance benchmarks.
    public static let defaultFolderFPS = 25.0

    /// - Parameters:
    ///   - path: a video file or a folder of images (jpg, png, bmp, tif; natural sort order).
    ///   - outputSize: resize every frame to this size through swscale (nil = native size).
    ///   - threads: decoder threads for video files (0 = FFmpeg's choice).
    public init(path: String, layout: PixelLayout = .rgb24, outputSize: (width: Int, height: Int)? = nil,
                filter: ResizeFilter = .bicubic, threads: Int = 0) throws {
        self.layout = layout
        if let size = outputSize, size.width <= 0 || size.height <= 0 {
            throw VideoIOError(path, "invalid output size \(size.width)x\(size.height)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VideoIOError(path, "no such file or folder")
        }
        let name = videoName(forPath: path)
        if isDirectory.boolValue {
            let files = try imageFiles(inFolder: path)
            guard let first = files.first else { throw VideoIOError(path, "the folder holds no images (jpg, png, bmp, tif)") }
            let decoder = ImageDecoder(layout: layout, outputSize: outputSize, filter: filter)
            let probe = try decoder.probe(path: first)
            info = VideoInfo(name: name, path: path, width: outputSize?.width ?? probe.width,
                             height: outputSize?.height ?? probe.height, fps: FrameReader.defaultFolderFPS,
                             frameCount: files.count, codec: probe.codec, pixelFormat: probe.pixelFormat, isFrameFolder: true)
            source = .folder(files: files, decoder)
        } else {
            let decoder = try FileDecoder(path: path, name: name, threads: threads)
            var described = decoder.info
            if let size = outputSize { described.width = size.width; described.height = size.height }
            info = described
            source = .file(decoder, PixelConverter(layout: layout, outputSize: outputSize, filter: filter))
        }
    }

    /// The next frame, or nil after the last one. Throws on a decoding error or a truncated file
    /// (never passes an error off as the end of the video).
    public func next() throws -> Frame? {
        switch source {
        case let .file(decoder, converter):
            guard let (picture, timestamp) = try decoder.nextFrame() else { return nil }
            let converted = try converter.convert(picture, path: info.path)
            defer { nextIndex += 1 }
            return Frame(index: nextIndex, timestamp: timestamp, width: converted.width, height: converted.height,
                         layout: layout, pixels: converted.pixels)
        case let .folder(files, decoder):
            guard nextIndex < files.count else { return nil }
            let frame = try decoder.decode(path: files[nextIndex], index: nextIndex,
                                           timestamp: Double(nextIndex) / info.fps)
            guard frame.width == info.width, frame.height == info.height else {
                throw VideoIOError(files[nextIndex], "size \(frame.width)x\(frame.height) differs from the folder's first image (\(info.width)x\(info.height))")
            }
            nextIndex += 1
            return frame
        }
    }

    /// Video files: the most packets in a row that may give no frame before the file counts as damaged.
    var maximumPacketsWithoutFrame: Int? {
        get { if case let .file(decoder, _) = source { return decoder.maximumPacketsWithoutFrame } else { return nil } }
        set { if case let .file(decoder, _) = source, let newValue { decoder.maximumPacketsWithoutFrame = newValue } }
    }

    /// Decodes to the end and returns the number of frames (for `info --decode` and counting).
    public func countByDecoding(progress: ((Int) -> Void)? = nil) throws -> Int {
        var count = 0
        while try next() != nil {
            count += 1
            if count % 50 == 0 { progress?(count) }
        }
        return count
    }
}

/// A video's name: the file stem, or the folder name for a frame folder.
public func videoName(forPath path: String) -> String {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        return url.lastPathComponent
    }
    return url.deletingPathExtension().lastPathComponent
}

/// The image files directly inside a folder, in natural order. Hidden files are skipped.
public func imageFiles(inFolder path: String) throws -> [String] {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
        throw VideoIOError(path, "cannot list the folder")
    }
    return names
        .filter { !$0.hasPrefix(".") && ImageFile.readableExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        .sorted(by: naturalLess)
        .map { (path as NSString).appendingPathComponent($0) }
}
