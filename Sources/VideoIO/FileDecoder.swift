import CFFmpeg
import Foundation

/// Demuxes and decodes the best video stream of one file with libavformat/libavcodec.
/// Holds one packet and one frame at a time: memory does not grow with the video's length.
final class FileDecoder {
    let path: String
    private(set) var info: VideoInfo
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    private let timeBase: Double
    private var draining = false
    private var finished = false
    private(set) var decodedCount = 0
    /// Packets of the video stream sent since the last frame came out.
    private var packetsSinceFrame = 0
    /// More packets than this in a row without a frame: the data is damaged (a decoder waiting for a keyframe that
    /// never comes), not a slow start. Decoders hold back a few frames (threads, B-frames) and skip to the first
    /// keyframe, at most a GOP: 1000 packets, or a minute of video at a high frame rate. Without the bound a damaged
    /// file of gigabytes would be read to the end before anything was said.
    var maximumPacketsWithoutFrame = 1000

    init(path: String, name: String, threads: Int = 0) throws {
        _ = ffmpegLogSetup
        self.path = path
        var size = stat()
        if stat(path, &size) == 0, (size.st_mode & S_IFMT) == S_IFREG, size.st_size == 0 {
            throw VideoIOError(path, "empty file (0 bytes)")
        }
        var formatContext: UnsafeMutablePointer<AVFormatContext>?
        var status = avformat_open_input(&formatContext, path, nil, nil)
        guard status >= 0, let formatContext else {
            throw VideoIOError(path, status == averrorEOF ? "cannot open: the file ends inside its header or index (cut short)"
                                                           : "cannot open: \(ffmpegErrorText(status))")
        }
        format = formatContext
        status = avformat_find_stream_info(formatContext, nil)
        guard status >= 0 else {
            avformat_close_input(&format)
            throw VideoIOError(path, "cannot read stream information: \(ffmpegErrorText(status))")
        }
        var decoder: UnsafePointer<AVCodec>?
        streamIndex = av_find_best_stream(formatContext, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        guard streamIndex >= 0, let decoder else {
            avformat_close_input(&format)
            throw VideoIOError(path, streamIndex == ssmtl_averror_decoder_not_found()
                ? "no decoder for the video stream" : "not a video (no decodable video stream), or cut short inside its index")
        }
        let stream = formatContext.pointee.streams[Int(streamIndex)]!
        let parameters = stream.pointee.codecpar!
        codec = avcodec_alloc_context3(decoder)
        guard let codec else {
            avformat_close_input(&format)
            throw VideoIOError(path, "out of memory for the decoder")
        }
        status = avcodec_parameters_to_context(codec, parameters)
        // 0 = let FFmpeg pick, the same frame threading the ffmpeg command line uses.
        codec.pointee.thread_count = Int32(threads)
        if status >= 0 { status = avcodec_open2(codec, decoder, nil) }
        guard status >= 0 else {
            avcodec_free_context(&self.codec)
            avformat_close_input(&format)
            throw VideoIOError(path, "cannot open the \(String(cString: decoder.pointee.name)) decoder: \(ffmpegErrorText(status))")
        }
        packet = av_packet_alloc()
        frame = av_frame_alloc()

        let tb = stream.pointee.time_base
        timeBase = tb.den != 0 ? Double(tb.num) / Double(tb.den) : 0
        let rate = stream.pointee.avg_frame_rate.num != 0 ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate
        let fps = rate.den != 0 ? Double(rate.num) / Double(rate.den) : 0
        var count: Int? = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
        if count == nil, stream.pointee.duration != ssmtl_av_nopts_value(), stream.pointee.duration > 0, fps > 0 {
            count = Int((Double(stream.pointee.duration) * timeBase * fps).rounded())
        }
        maximumPacketsWithoutFrame = max(1000, Int(min(fps, 1000) * 60))
        info = VideoInfo(
            name: name, path: path, width: Int(parameters.pointee.width), height: Int(parameters.pointee.height),
            fps: fps, frameCount: count, codec: String(cString: decoder.pointee.name),
            pixelFormat: pixelFormatName(AVPixelFormat(parameters.pointee.format)), isFrameFolder: false)
        guard info.width > 0, info.height > 0 else {
            close()
            throw VideoIOError(path, "the video stream has no picture size")
        }
    }

    deinit { close() }

    func close() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// Decodes the next frame; nil at the end of the stream. The frame is owned by the decoder
    /// and valid until the next call.
    func nextFrame() throws -> (frame: UnsafeMutablePointer<AVFrame>, timestamp: Double)? {
        guard !finished, let codec, let frame, let packet, let format else { return nil }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 {
                decodedCount += 1
                packetsSinceFrame = 0
                let pts = frame.pointee.best_effort_timestamp
                let timestamp = pts == ssmtl_av_nopts_value() ? Double(decodedCount - 1) / max(info.fps, 1) : Double(pts) * timeBase
                return (frame, timestamp)
            }
            if received == averrorEOF {
                finished = true
                try checkComplete()
                return nil
            }
            guard received == averrorEAGAIN else {
                throw VideoIOError(path, "decoding failed after \(framesSoFar): \(ffmpegErrorText(received))")
            }
            if draining {
                finished = true
                try checkComplete()
                return nil
            }
            // The decoder wants input: feed it the next packet of our stream.
            let read = av_read_frame(format, packet)
            if read == averrorEOF {
                draining = true
                _ = avcodec_send_packet(codec, nil)
                continue
            }
            guard read >= 0 else {
                throw VideoIOError(path, "reading failed after \(framesSoFar): \(ffmpegErrorText(read))")
            }
            defer { av_packet_unref(packet) }
            if packet.pointee.stream_index != streamIndex { continue }
            if packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
                throw VideoIOError(path, "truncated or corrupt: damaged packet after \(framesSoFar)")
            }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != averrorEAGAIN {
                throw VideoIOError(path, "decoding failed after \(framesSoFar): \(ffmpegErrorText(sent))")
            }
            packetsSinceFrame += 1
            if packetsSinceFrame > maximumPacketsWithoutFrame {
                throw VideoIOError(path, "truncated or corrupt: no frame from \(packetsSinceFrame) packets in a row after \(framesSoFar)")
            }
        }
    }

    /// "1 frame", "27 frames": how far decoding came, for the messages.
    private var framesSoFar: String { decodedCount == 1 ? "1 frame" : "\(decodedCount) frames" }

    /// A container that announced its frame count (or a duration) but delivered clearly fewer frames was cut
    /// short: say so instead of passing the truncation off as the end of the video. A count derived from the
    /// duration is an estimate, so it only counts when fewer than 90% of the frames arrived.
    private func checkComplete() throws {
        guard let expected = info.frameCount, decodedCount < expected else { return }
        if formatStatesFrameCount || Double(decodedCount) < 0.9 * Double(expected) - 1 {
            throw VideoIOError(path, "truncated or corrupt: decoded \(decodedCount) of \(expected) frames")
        }
    }

    private var formatStatesFrameCount: Bool {
        guard let format else { return false }
        return format.pointee.streams[Int(streamIndex)]!.pointee.nb_frames > 0
    }
}
