/// What a reader knows about a video before (or while) decoding it.
public struct VideoInfo: Sendable, Equatable {
    /// The video's name: the file stem, or the folder name for a folder of frames ("01", "01_0014").
    public var name: String
    public var path: String
    public var width: Int
    public var height: Int
    /// Frames per second; 0 when the container does not say (frame folders default to 25).
    public var fps: Double
    /// Number of frames when the container or folder states it; nil when it can only be found by decoding.
    public var frameCount: Int?
    /// Codec name as FFmpeg spells it ("h264", "mjpeg", "png").
    public var codec: String
    /// Source pixel format as FFmpeg spells it ("yuv420p", "gray").
    public var pixelFormat: String
    public var isFrameFolder: Bool
}
