import CFFmpeg
import Foundation

/// FFmpeg prints its own warnings to stderr; our errors already name the file and the problem, so its log is
/// silenced unless SSMTL_FFMPEG_LOG asks for it (quiet, panic, fatal, error, warning, info, verbose, debug).
let ffmpegLogSetup: Void = {
    let levels: [String: Int32] = ["quiet": AV_LOG_QUIET, "panic": AV_LOG_PANIC, "fatal": AV_LOG_FATAL, "error": AV_LOG_ERROR,
                                   "warning": AV_LOG_WARNING, "info": AV_LOG_INFO, "verbose": AV_LOG_VERBOSE, "debug": AV_LOG_DEBUG]
    let requested = ProcessInfo.processInfo.environment["SSMTL_FFMPEG_LOG"].flatMap { levels[$0.lowercased()] }
    av_log_set_level(requested ?? AV_LOG_QUIET)
}()

/// MD5 of a byte buffer as 32 lowercase hex digits (FFmpeg's implementation): the checksum the ffmpeg
/// command line prints with `-f framemd5`, used to compare decoded frames with it bit for bit.
public func md5Hex(_ bytes: [UInt8]) -> String {
    var digest = [UInt8](repeating: 0, count: 16)
    bytes.withUnsafeBufferPointer { av_md5_sum(&digest, $0.baseAddress, $0.count) }
    return digest.map { String(format: "%02x", $0) }.joined()
}
