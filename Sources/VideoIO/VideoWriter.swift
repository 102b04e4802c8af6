import AtomicFile
import CFFmpeg
import Foundation

/// Encodes packed RGB24 frames into a video file (H.264 when this FFmpeg has libx264, else MPEG-4 part 2),
/// muxed by the container the extension names (.mp4, .mkv, .avi). The file is written to a temporary
/// name and renamed by `finish()`, so an interrupted run leaves no half-written video.
public final class VideoWriter {
    public let path: String
    public let width: Int
    public let height: Int
    private let temporaryPath: String
    private let temporaryMark: TemporaryFileMark
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var picture: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// The RGB input of swscale: `height` rows of `inputStride` bytes plus 64 zero bytes, 64-byte aligned.
    private let inputStride: Int
    private let input: UnsafeMutableRawPointer
    private var scaler: OpaquePointer?
    private var frameNumber: Int64 = 0
    private var finished = false

    /// The encoder: H.264 (libx264) or MPEG-4 part 2 (FFmpeg's own).
    public enum Codec: Sendable { case h264, mpeg4 }

    /// - Parameters:
    ///   - quality: constant quality (x264 CRF, or MPEG-4 qscale*6); lower is better. 18 is visually lossless.
    ///   - codec: nil = H.264 when this FFmpeg has libx264, else MPEG-4 part 2.
    public init(path: String, width: Int, height: Int, fps: Double = 25, quality: Int = 18, codec: Codec? = nil) throws {
        guard width > 0, height > 0 else { throw VideoIOError(path, "invalid video size \(width)x\(height)") }
        guard fps > 0 && fps.isFinite else { throw VideoIOError(path, "invalid frame rate \(fps)") }
        _ = ffmpegLogSetup
        self.path = path
        self.width = width
        self.height = height
        inputStride = (width * 3 + 63) & ~63
        let inputBytes = inputStride * height + 64
        input = UnsafeMutableRawPointer.allocate(byteCount: inputBytes, alignment: 64)
        input.initializeMemory(as: UInt8.self, repeating: 0, count: inputBytes)
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.deletingPathExtension().lastPathComponent).\(temporaryFileTag).\(url.pathExtension)").path
        temporaryMark = TemporaryFileMark(path: temporaryPath)
        do { try open(fps: fps, quality: quality, codec: codec) } catch {
            release()
            discardTemporary()
            throw error
        }
    }

    deinit {
        input.deallocate()
        if !finished {
            release()
            discardTemporary()
        }
    }

    /// Removes the unfinished file; a signal no longer needs to find it.
    private func discardTemporary() {
        try? FileManager.default.removeItem(atPath: temporaryPath)
        temporaryMark.forget()
    }

    private func open(fps: Double, quality: Int, codec wanted: Codec?) throws {
        // The temporary name keeps the extension, so the container is chosen as for the final name.
        var status = avformat_alloc_output_context2(&format, nil, nil, temporaryPath)
        guard status >= 0, let format else { throw VideoIOError(path, "unknown video container: \(ffmpegErrorText(status))") }
        let encoder: UnsafePointer<AVCodec>?
        switch wanted {
        case nil: encoder = avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4)
        case .h264?: encoder = avcodec_find_encoder_by_name("libx264")
        case .mpeg4?: encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4)
        }
        guard let encoder else {
            throw VideoIOError(path, wanted == .mpeg4 ? "this FFmpeg has no MPEG-4 encoder" : wanted == .h264 ? "this FFmpeg has no H.264 encoder (libx264)" : "this FFmpeg has no H.264 or MPEG-4 encoder")
        }
        codec = avcodec_alloc_context3(encoder)
        stream = avformat_new_stream(format, nil)
        guard let codec, let stream else { throw VideoIOError(path, "out of memory") }
        // 4:2:0 needs even sizes: the encoded picture is rounded up and the frame is scaled into it.
        codec.pointee.width = Int32((width + 1) & ~1)
        codec.pointee.height = Int32((height + 1) & ~1)
        codec.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        let rate = av_d2q(fps, 100_000)
        codec.pointee.time_base = AVRational(num: rate.den, den: rate.num)
        codec.pointee.framerate = rate
        codec.pointee.gop_size = 50
        // One encoder thread: x264's threaded rate control also made the same frames encode differently.
        codec.pointee.thread_count = 1
        if format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options: OpaquePointer? = nil
        if String(cString: encoder.pointee.name) == "libx264" {
            av_dict_set(&options, "crf", "\(quality)", 0)
            av_dict_set(&options, "preset", "veryfast", 0)
            // No macroblock-tree rate control: with it, the same frames encoded differently depending on what the
            // process had done before (a second `SyntheticDataset.write` in one process gave other bytes), and
            // `ssmtl synth` promises the same files for the same seed. Files are about 25% larger at the same CRF.
            av_dict_set(&options, "x264-params", "mbtree=0", 0)
        } else {
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
            codec.pointee.global_quality = Int32(max(1, quality / 6)) * FF_QP2LAMBDA
        }
        status = avcodec_open2(codec, encoder, &options)
        av_dict_free(&options)
        guard status >= 0 else { throw VideoIOError(path, "cannot open the encoder: \(ffmpegErrorText(status))") }
        status = avcodec_parameters_from_context(stream.pointee.codecpar, codec)
        stream.pointee.time_base = codec.pointee.time_base
        guard status >= 0 else { throw VideoIOError(path, "cannot set up the stream") }
        status = avio_open(&format.pointee.pb, temporaryPath, AVIO_FLAG_WRITE)
        guard status >= 0 else { throw VideoIOError(path, "cannot create the file: \(ffmpegErrorText(status))") }
        // The index goes at the front of MP4 files (a second pass at finish): a cut file still opens and its
        // frame count tells the reader it was cut.
        var muxerOptions: OpaquePointer? = nil
        av_dict_set(&muxerOptions, "movflags", "+faststart", 0)
        status = avformat_write_header(format, &muxerOptions)
        av_dict_free(&muxerOptions)
        guard status >= 0 else { throw VideoIOError(path, "cannot write the header: \(ffmpegErrorText(status))") }

        picture = av_frame_alloc()
        packet = av_packet_alloc()
        guard let picture, packet != nil else { throw VideoIOError(path, "out of memory") }
        picture.pointee.width = codec.pointee.width
        picture.pointee.height = codec.pointee.height
        picture.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        guard av_frame_get_buffer(picture, 0) >= 0 else { throw VideoIOError(path, "out of memory") }
        scaler = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24, codec.pointee.width, codec.pointee.height,
                                AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)
        guard scaler != nil else { throw VideoIOError(path, "cannot convert RGB to YUV") }
    }

    /// Appends one RGB24 frame of the writer's size.
    public func append(_ frame: Frame) throws {
        guard !finished, let codec, let picture else { throw VideoIOError(path, "the writer is closed") }
        guard frame.layout == .rgb24, frame.width == width, frame.height == height else {
            throw VideoIOError(path, "frame is \(frame.width)x\(frame.height) \(frame.layout.rawValue), the video is \(width)x\(height) rgb24")
        }
        guard av_frame_make_writable(picture) >= 0 else { throw VideoIOError(path, "out of memory") }
        // swscale's input: rows copied into a 64-byte-aligned buffer with 64-byte-aligned rows and zeroed padding,
        // as FFmpeg's own frames are. Its SIMD readers may read past the end of a row, which on the last row of a
        // bare Swift array would be whatever lies beyond it, and it takes other code paths for unaligned input.
        let rowBytes = width * 3
        frame.pixels.withUnsafeBufferPointer { rgb in
            for y in 0..<height {
                (input + y * inputStride).copyMemory(from: rgb.baseAddress! + y * rowBytes, byteCount: rowBytes)
            }
        }
        let rows: Int32 = {
            var srcData: [UnsafePointer<UInt8>?] = [UnsafePointer(input.assumingMemoryBound(to: UInt8.self)), nil, nil, nil]
            var srcLinesize: [Int32] = [Int32(inputStride), 0, 0, 0]
            return withUnsafeMutablePointer(to: &picture.pointee.data) { dataTuple in
                withUnsafeMutablePointer(to: &picture.pointee.linesize) { linesizeTuple in
                    dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                        linesizeTuple.withMemoryRebound(to: Int32.self, capacity: 8) { dstLinesize in
                            sws_scale(scaler, &srcData, &srcLinesize, 0, Int32(height), dst, dstLinesize)
                        }
                    }
                }
            }
        }()
        guard rows > 0 else { throw VideoIOError(path, "colour conversion failed") }
        picture.pointee.pts = frameNumber
        frameNumber += 1
        try send(picture, to: codec)
    }

    /// Flushes the encoder, writes the trailer and moves the finished file into place.
    public func finish() throws {
        guard !finished, let codec, let format else { return }
        try send(nil, to: codec)
        let status = av_write_trailer(format)
        guard status >= 0 else { throw VideoIOError(path, "cannot finish the file: \(ffmpegErrorText(status))") }
        release()
        finished = true
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporaryPath, toPath: path)
        } catch {
            discardTemporary()
            throw VideoIOError(path, "cannot move the finished video into place: \(error.localizedDescription)")
        }
        temporaryMark.forget()
    }

    private func send(_ picture: UnsafeMutablePointer<AVFrame>?, to codec: UnsafeMutablePointer<AVCodecContext>) throws {
        var status = avcodec_send_frame(codec, picture)
        guard status >= 0 else { throw VideoIOError(path, "encoding failed: \(ffmpegErrorText(status))") }
        while true {
            status = avcodec_receive_packet(codec, packet)
            if status == averrorEAGAIN || status == averrorEOF { return }
            guard status >= 0 else { throw VideoIOError(path, "encoding failed: \(ffmpegErrorText(status))") }
            // Without a duration the MP4 muxer gives the last sample none, and demuxers drop it.
            if packet!.pointee.duration == 0 { packet!.pointee.duration = 1 }
            av_packet_rescale_ts(packet, codec.pointee.time_base, stream!.pointee.time_base)
            packet!.pointee.stream_index = stream!.pointee.index
            status = av_interleaved_write_frame(format, packet)
            guard status >= 0 else { throw VideoIOError(path, "cannot write: \(ffmpegErrorText(status))") }
        }
    }

    private func release() {
        sws_freeContext(scaler); scaler = nil
        av_frame_free(&picture)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
        }
        format = nil
    }
}
