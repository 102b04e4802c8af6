import CFFmpeg

/// Every failure of the video layer: one line that names the file and the problem.
public struct VideoIOError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// FFmpeg's text for an error code (av_strerror), e.g. "Invalid data found when processing input".
func ffmpegErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    _ = ssmtl_error_string(code, &buffer, buffer.count)
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

let averrorEOF: Int32 = ssmtl_averror_eof()
let averrorEAGAIN: Int32 = ssmtl_averror_eagain()
