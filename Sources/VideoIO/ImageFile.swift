import AtomicFile
import CFFmpeg
import Foundation

/// Single still images: reading (JPEG, PNG, BMP, TIFF, anything FFmpeg probes) and writing (PNG, BMP; JPEG as data,
/// for pages that embed their pictures).
public enum ImageFile {
    public static let readableExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "tif", "tiff"]

    /// Decodes one image file to a packed frame.
    public static func read(path: String, layout: PixelLayout = .rgb24) throws -> Frame {
        let decoder = ImageDecoder(layout: layout, outputSize: nil, filter: .bicubic)
        return try decoder.decode(path: path, index: 0, timestamp: 0)
    }

    /// Writes a frame as PNG or BMP, chosen by the path's extension. The file appears whole or not at all.
    public static func write(_ frame: Frame, to path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        let codecID: AVCodecID
        switch ext {
        case "png": codecID = AV_CODEC_ID_PNG
        case "bmp": codecID = AV_CODEC_ID_BMP
        default: throw VideoIOError(path, "cannot write images of type '.\(ext)' (use .png or .bmp)")
        }
        let bytes = try encodeStill(frame, codecID: codecID, path: path)
        try writeFileAtomically(Data(bytes), to: path)
    }

    /// PNG shorthand for plots and overlays.
    public static func writePNG(_ frame: Frame, to path: String) throws {
        guard path.lowercased().hasSuffix(".png") else { throw VideoIOError(path, "a PNG path must end in .png") }
        try write(frame, to: path)
    }

    /// A frame encoded as a baseline JPEG (FFmpeg's MJPEG encoder, full-range 4:2:0), for thumbnails embedded in a
    /// page. `quality` is the encoder's quantiser scale, 2 (best, largest) to 31; `name` only names errors.
    public static func jpegData(_ frame: Frame, quality: Int = 4, name: String = "JPEG thumbnail") throws -> Data {
        guard (2...31).contains(quality) else { throw VideoIOError(name, "JPEG quality \(quality) outside 2...31") }
        return Data(try encodeStill(frame, codecID: AV_CODEC_ID_MJPEG, path: name, jpegQuality: quality))
    }

    private static func encodeStill(_ frame: Frame, codecID: AVCodecID, path: String, jpegQuality: Int = 4) throws -> [UInt8] {
        _ = ffmpegLogSetup
        guard let encoder = avcodec_find_encoder(codecID) else { throw VideoIOError(path, "this FFmpeg has no encoder for it") }
        var context = avcodec_alloc_context3(encoder)
        defer { avcodec_free_context(&context) }
        guard let context else { throw VideoIOError(path, "out of memory") }
        // BMP stores RGB as BGR; grey goes to both formats as 8-bit grey (BMP: palettised, like the official masks).
        // JPEG is YCbCr: full-range 4:2:0, the layout every browser and viewer decodes.
        let isJPEG = codecID == AV_CODEC_ID_MJPEG
        let pixelFormat: AVPixelFormat = isJPEG ? AV_PIX_FMT_YUVJ420P
            : frame.layout == .gray8 ? AV_PIX_FMT_GRAY8 : (codecID == AV_CODEC_ID_BMP ? AV_PIX_FMT_BGR24 : AV_PIX_FMT_RGB24)
        context.pointee.width = Int32(frame.width)
        context.pointee.height = Int32(frame.height)
        context.pointee.pix_fmt = pixelFormat
        context.pointee.time_base = AVRational(num: 1, den: 25)
        if isJPEG {
            // A fixed quantiser scale: the same quality whatever the picture holds.
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = Int32(jpegQuality) * FF_QP2LAMBDA
            context.pointee.color_range = AVCOL_RANGE_JPEG
        }
        var status = avcodec_open2(context, encoder, nil)
        guard status >= 0 else { throw VideoIOError(path, "cannot open the image encoder: \(ffmpegErrorText(status))") }

        var picture = av_frame_alloc()
        defer { av_frame_free(&picture) }
        guard let picture else { throw VideoIOError(path, "out of memory") }
        picture.pointee.width = Int32(frame.width)
        picture.pointee.height = Int32(frame.height)
        picture.pointee.format = pixelFormat.rawValue
        status = av_frame_get_buffer(picture, 0)
        guard status >= 0 else { throw VideoIOError(path, "out of memory for the picture") }
        if isJPEG {
            picture.pointee.quality = context.pointee.global_quality
            picture.pointee.color_range = AVCOL_RANGE_JPEG
            try convertToYCbCr(frame, into: picture, path: path)
        } else {
            copyPacked(frame, into: picture, bgr: pixelFormat == AV_PIX_FMT_BGR24)
        }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        status = avcodec_send_frame(context, picture)
        if status >= 0 { status = avcodec_send_frame(context, nil) }
        guard status >= 0 else { throw VideoIOError(path, "image encoding failed: \(ffmpegErrorText(status))") }
        var bytes: [UInt8] = []
        while avcodec_receive_packet(context, packet) >= 0 {
            bytes.append(contentsOf: UnsafeBufferPointer(start: packet!.pointee.data, count: Int(packet!.pointee.size)))
            av_packet_unref(packet)
        }
        guard !bytes.isEmpty else { throw VideoIOError(path, "image encoding produced no data") }
        return bytes
    }

    /// Packed RGB, BGR or grey rows into the picture's plane (its rows may be padded).
    private static func copyPacked(_ frame: Frame, into picture: UnsafeMutablePointer<AVFrame>, bgr: Bool) {
        let rowBytes = frame.width * frame.layout.channels
        let linesize = Int(picture.pointee.linesize.0)
        let plane = picture.pointee.data.0!
        frame.pixels.withUnsafeBufferPointer { src in
            for y in 0..<frame.height {
                let row = plane + y * linesize
                if bgr {
                    for x in 0..<frame.width {
                        row[3 * x] = src[y * rowBytes + 3 * x + 2]
                        row[3 * x + 1] = src[y * rowBytes + 3 * x + 1]
                        row[3 * x + 2] = src[y * rowBytes + 3 * x]
                    }
                } else {
                    (UnsafeMutableRawPointer(row)).copyMemory(from: src.baseAddress! + y * rowBytes, byteCount: rowBytes)
                }
            }
        }
    }

    /// Packed RGB or grey into the picture's full-range YCbCr 4:2:0 planes (swscale, same size).
    private static func convertToYCbCr(_ frame: Frame, into picture: UnsafeMutablePointer<AVFrame>, path: String) throws {
        let source = frame.layout == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24
        guard let scaler = sws_getContext(Int32(frame.width), Int32(frame.height), source, Int32(frame.width), Int32(frame.height),
                                          AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nil, nil, nil) else {
            throw VideoIOError(path, "cannot convert the picture to JPEG's colour space")
        }
        defer { sws_freeContext(scaler) }
        let rowBytes = Int32(frame.width * frame.layout.channels)
        frame.pixels.withUnsafeBufferPointer { src in
            var srcData: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var srcLinesize: [Int32] = [rowBytes, 0, 0, 0]
            withUnsafeMutablePointer(to: &picture.pointee.data) { dataTuple in
                dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                    withUnsafeMutablePointer(to: &picture.pointee.linesize) { linesizeTuple in
                        linesizeTuple.withMemoryRebound(to: Int32.self, capacity: 8) { dstLinesize in
                            _ = sws_scale(scaler, &srcData, &srcLinesize, 0, Int32(frame.height), dst, dstLinesize)
                        }
                    }
                }
            }
        }
    }
}

/// Writes data to a temporary file beside `path`, then renames it over `path`:
/// an interrupted write never leaves a half-written file behind.
public func writeFileAtomically(_ data: Data, to path: String) throws {
    do {
        try data.withUnsafeBytes { try writeAtomically($0, to: path) }
    } catch {
        throw VideoIOError(path, (error as? AtomicWriteError)?.reason ?? "cannot write: \(error)")
    }
}

/// Decodes still images without a demuxer: reads the file and hands it to the decoder named by its extension,
/// reusing one decoder per codec across the files of a folder. Unknown extensions fall back to FFmpeg's probing.
final class ImageDecoder {
    private let converter: PixelConverter
    private let layout: PixelLayout
    private var decoders: [UInt32: UnsafeMutablePointer<AVCodecContext>] = [:]
    private var packet = av_packet_alloc()
    private var frame = av_frame_alloc()

    init(layout: PixelLayout, outputSize: (width: Int, height: Int)?, filter: ResizeFilter) {
        _ = ffmpegLogSetup
        self.layout = layout
        converter = PixelConverter(layout: layout, outputSize: outputSize, filter: filter)
    }

    deinit {
        for (_, context) in decoders { var c: UnsafeMutablePointer<AVCodecContext>? = context; avcodec_free_context(&c) }
        av_packet_free(&packet)
        av_frame_free(&frame)
    }

    static func codecID(forExtension ext: String) -> AVCodecID? {
        switch ext.lowercased() {
        case "jpg", "jpeg": return AV_CODEC_ID_MJPEG
        case "png": return AV_CODEC_ID_PNG
        case "bmp": return AV_CODEC_ID_BMP
        case "tif", "tiff": return AV_CODEC_ID_TIFF
        default: return nil
        }
    }

    /// Whether a JPEG file (its first two bytes the start-of-image marker, checked by the caller) reaches its
    /// end-of-image marker: walks the segments after the start (each marker's
    /// length skips its payload, so an EXIF thumbnail's markers are never seen) and, after each start of scan, the
    /// entropy-coded data up to the next marker (FF followed by neither 00, a stuffed byte, nor a restart marker).
    /// Bytes after the end of image (a motion photo's video, say) are not looked at.
    static func jpegEndsAfterItsScan(_ data: Data) -> Bool {
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Bool in
            let n = b.count
            guard n >= 4 else { return false }
            var i = 2
            while i + 1 < n {
                guard b[i] == 0xFF else { i += 1; continue }  // stray bytes between segments: decoders skip them too
                let marker = b[i + 1]
                if marker == 0xFF { i += 1; continue }         // fill byte
                i += 2
                if marker == 0xD9 { return true }
                if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }  // no payload
                guard i + 1 < n else { return false }
                let length = Int(b[i]) << 8 | Int(b[i + 1])
                guard length >= 2 else { return false }
                i += length
                if marker == 0xDA {
                    while i + 1 < n && !(b[i] == 0xFF && b[i + 1] != 0 && !(0xD0...0xD7).contains(b[i + 1])) { i += 1 }
                }
            }
            return false
        }
    }

    /// The source picture's size and format name without keeping the pixels (for `info`).
    func probe(path: String) throws -> (width: Int, height: Int, codec: String, pixelFormat: String) {
        let (picture, codec) = try decodeRaw(path: path)
        return (Int(picture.pointee.width), Int(picture.pointee.height), codec, pixelFormatName(AVPixelFormat(picture.pointee.format)))
    }

    func decode(path: String, index: Int, timestamp: Double) throws -> Frame {
        let (picture, _) = try decodeRaw(path: path)
        let converted = try converter.convert(picture, path: path)
        return Frame(index: index, timestamp: timestamp, width: converted.width, height: converted.height,
                     layout: layout, pixels: converted.pixels)
    }

    private func decodeRaw(path: String) throws -> (UnsafeMutablePointer<AVFrame>, String) {
        let ext = (path as NSString).pathExtension
        guard let codecID = ImageDecoder.codecID(forExtension: ext) else {
            return try decodeByProbing(path: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VideoIOError(path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        guard !data.isEmpty else { throw VideoIOError(path, "empty image file") }
        // FFmpeg's JPEG decoder fills a cut-off file's missing rows with grey and reports success.
        if codecID == AV_CODEC_ID_MJPEG {
            guard data.count >= 4, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8 else {
                throw VideoIOError(path, "not a JPEG image (no start-of-image marker)")
            }
            guard ImageDecoder.jpegEndsAfterItsScan(data) else {
                throw VideoIOError(path, "truncated JPEG (no end-of-image marker after the image data)")
            }
        }
        let context = try decoder(for: codecID, path: path)
        guard let packet, let frame else { throw VideoIOError(path, "out of memory") }
        let status: Int32 = data.withUnsafeBytes { raw in
            // The decoder may read past the end of the data: give it FFmpeg's zeroed padding.
            var status = av_new_packet(packet, Int32(raw.count))
            if status >= 0 {
                packet.pointee.data.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: raw.count)
                status = avcodec_send_packet(context, packet)
            }
            return status
        }
        av_packet_unref(packet)
        var received = status >= 0 ? avcodec_receive_frame(context, frame) : status
        if received == averrorEAGAIN {
            _ = avcodec_send_packet(context, nil)
            received = avcodec_receive_frame(context, frame)
        }
        // Each file is a picture of its own: forget the previous one (the PNG decoder otherwise keeps it
        // as a reference and reuses its buffers for the next file).
        avcodec_flush_buffers(context)
        guard received >= 0 else {
            throw VideoIOError(path, "not a valid .\(ext.lowercased()) image: \(ffmpegErrorText(received))")
        }
        if frame.pointee.decode_error_flags != 0 || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 {
            throw VideoIOError(path, "corrupt or truncated image")
        }
        return (frame, String(cString: context.pointee.codec.pointee.name))
    }

    private var probedDecoder: FileDecoder?

    private func decodeByProbing(path: String) throws -> (UnsafeMutablePointer<AVFrame>, String) {
        let decoder = try FileDecoder(path: path, name: path, threads: 1)
        probedDecoder = decoder
        guard let (picture, _) = try decoder.nextFrame() else { throw VideoIOError(path, "the file holds no picture") }
        return (picture, decoder.info.codec)
    }

    private func decoder(for codecID: AVCodecID, path: String) throws -> UnsafeMutablePointer<AVCodecContext> {
        // Only JPEG decoders are reused across files: FFmpeg's PNG decoder keeps the previous picture
        // (for APNG) and leaks it into the next file's pixels, so other codecs get a fresh context each time.
        if let context = decoders[codecID.rawValue] {
            if codecID == AV_CODEC_ID_MJPEG { return context }
            var stale: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&stale)
            decoders[codecID.rawValue] = nil
        }
        guard let codec = avcodec_find_decoder(codecID) else { throw VideoIOError(path, "this FFmpeg cannot decode it") }
        var context = avcodec_alloc_context3(codec)
        guard let allocated = context else { throw VideoIOError(path, "out of memory") }
        allocated.pointee.thread_count = 1
        let status = avcodec_open2(allocated, codec, nil)
        guard status >= 0 else {
            avcodec_free_context(&context)
            throw VideoIOError(path, "cannot open the decoder: \(ffmpegErrorText(status))")
        }
        decoders[codecID.rawValue] = allocated
        return allocated
    }
}
