import CZlib

/// Decompresses a whole zlib stream (RFC 1950), as found in MAT v5 `miCOMPRESSED` elements.
/// `expectedSize` is a hint for the first allocation. Throws on corrupt or truncated data.
func zlibInflate(_ input: ArraySlice<UInt8>, path: String, expectedSize: Int = 0) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw EvaluationError(path, "cannot initialise zlib")
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: max(expectedSize, input.count * 4, 1024))
    var produced = 0
    var status: Int32 = Z_OK
    try input.withUnsafeBufferPointer { inBuffer in
        stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
        stream.avail_in = UInt32(inBuffer.count)
        while true {
            if produced == output.count { output.append(contentsOf: [UInt8](repeating: 0, count: output.count)) }
            status = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress! + produced
                let room = min(out.count - produced, Int(UInt32.max))
                stream.avail_out = UInt32(room)
                let s = inflate(&stream, Z_NO_FLUSH)
                produced += room - Int(stream.avail_out)
                return s
            }
            if status == Z_STREAM_END { break }
            if status == Z_BUF_ERROR && stream.avail_in == 0 {
                throw EvaluationError(path, "corrupt file: compressed data ends early")
            }
            if status != Z_OK && status != Z_BUF_ERROR {
                throw EvaluationError(path, "corrupt file: compressed data is invalid (zlib error \(status))")
            }
        }
    }
    output.removeLast(output.count - produced)
    return output
}
