import CFFmpeg

/// How swscale resamples when the output size differs from the source.
/// Format conversion alone uses bicubic, the flag the ffmpeg command line uses, so decoded pixels match it bit for bit.
public enum ResizeFilter: String, Sendable, CaseIterable {
    case bicubic, bilinear, area, nearest

    var swsFlag: Int32 {
        switch self {
        case .bicubic: return SWS_BICUBIC
        case .bilinear: return SWS_BILINEAR
        case .area: return SWS_AREA
        case .nearest: return SWS_POINT
        }
    }
}

/// Converts decoded AVFrames of any format swscale reads into packed RGB24 or GRAY8 at a chosen size.
final class PixelConverter {
    private var context: OpaquePointer?
    private let layout: PixelLayout
    private let outputSize: (width: Int, height: Int)?
    private let filter: ResizeFilter
    // Scratch picture with aligned rows; swscale is fastest (and matches the CLI) when rows are aligned.
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var scratchLinesize: Int32 = 0
    private var scratchSize = (width: 0, height: 0)

    init(layout: PixelLayout, outputSize: (width: Int, height: Int)?, filter: ResizeFilter) {
        self.layout = layout
        self.outputSize = outputSize
        self.filter = filter
    }

    deinit {
        sws_freeContext(context)
        av_free(scratch)
    }

    var targetFormat: AVPixelFormat { layout == .rgb24 ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_GRAY8 }

    static func canRead(_ format: AVPixelFormat) -> Bool { sws_isSupportedInput(format) > 0 }

    /// Returns the frame's pixels packed (stride == width * channels).
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let srcW = frame.pointee.width, srcH = frame.pointee.height
        let srcFormat = AVPixelFormat(frame.pointee.format)
        guard PixelConverter.canRead(srcFormat) else {
            throw VideoIOError(path, "unsupported pixel format \(pixelFormatName(srcFormat))")
        }
        let dstW = outputSize?.width ?? Int(srcW), dstH = outputSize?.height ?? Int(srcH)
        context = sws_getCachedContext(
            context, srcW, srcH, srcFormat, Int32(dstW), Int32(dstH), targetFormat,
            filter.swsFlag, nil, nil, nil)
        guard context != nil else {
            throw VideoIOError(path, "cannot convert \(pixelFormatName(srcFormat)) \(srcW)x\(srcH) to \(layout.rawValue)")
        }
        try ensureScratch(width: dstW, height: dstH, path: path)

        var dstData: [UnsafeMutablePointer<UInt8>?] = [scratch, nil, nil, nil]
        var dstLinesize: [Int32] = [scratchLinesize, 0, 0, 0]
        let rows = withUnsafePointer(to: &frame.pointee.data) { dataTuple in
            withUnsafePointer(to: &frame.pointee.linesize) { linesizeTuple in
                dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { srcData in
                    linesizeTuple.withMemoryRebound(to: Int32.self, capacity: 8) { srcLinesize in
                        sws_scale(context, srcData, srcLinesize, 0, srcH, &dstData, &dstLinesize)
                    }
                }
            }
        }
        guard rows == Int32(dstH) else {
            throw VideoIOError(path, "pixel conversion failed (\(rows) of \(dstH) rows)")
        }
        // Rows of the scratch picture are padded: copy them one by one into the packed result.
        let rowBytes = dstW * layout.channels
        var packed = [UInt8](repeating: 0, count: rowBytes * dstH)
        packed.withUnsafeMutableBytes { out in
            for y in 0..<dstH {
                (out.baseAddress! + y * rowBytes).copyMemory(
                    from: scratch! + y * Int(scratchLinesize), byteCount: rowBytes)
            }
        }
        return (dstW, dstH, packed)
    }

    private func ensureScratch(width: Int, height: Int, path: String) throws {
        if scratch != nil && scratchSize == (width, height) { return }
        av_free(scratch)
        scratchLinesize = Int32((width * layout.channels + 63) & ~63)
        // Extra rows of slack: swscale's SIMD paths may write a little past the last row.
        scratch = av_malloc(Int(scratchLinesize) * (height + 2)).assumingMemoryBound(to: UInt8.self)
        guard scratch != nil else { throw VideoIOError(path, "out of memory for a \(width)x\(height) frame") }
        scratchSize = (width, height)
    }
}

func pixelFormatName(_ format: AVPixelFormat) -> String {
    if let name = av_get_pix_fmt_name(format) { return String(cString: name) }
    return "unknown (\(format.rawValue))"
}
