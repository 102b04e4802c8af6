import CZlib

/// Decompresses a whole zlib stream (RFC 1950), as found in MAT v5 `miCOMPRESSED` elements.
/// `sizeFromPrefix` may tell the full decompressed size from its first 8 bytes (the inner element tag of a
/// MAT-file), so the output is allocated once, without zero filling; otherwise the buffer grows by doubling.
/// Throws on corrupt or truncated data.
func zlibInflate(_ input: ArraySlice<UInt8>, path: String, sizeFromPrefix: (([UInt8]) -> Int?)? = nil) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw EvaluationError(path, "cannot initialise zlib")
    }
    defer { inflateEnd(&stream) }
    return try input.withUnsafeBufferPointer { inBuffer -> [UInt8] in
        stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
        stream.avail_in = UInt32(inBuffer.count)
        var status: Int32 = Z_OK
        /// Inflates into `out[produced...]`; returns the new count.
        func step(_ out: UnsafeMutablePointer<UInt8>, room: Int) throws -> Int {
            stream.next_out = out
            stream.avail_out = UInt32(min(room, Int(UInt32.max)))
            let before = Int(stream.avail_out)
            status = inflate(&stream, Z_NO_FLUSH)
            if status == Z_BUF_ERROR && stream.avail_in == 0 { throw EvaluationError(path, "corrupt file: compressed data ends early") }
            if status != Z_OK && status != Z_BUF_ERROR && status != Z_STREAM_END {
                throw EvaluationError(path, "corrupt file: compressed data is invalid (zlib error \(status))")
            }
            return before - Int(stream.avail_out)
        }
        var head = [UInt8](repeating: 0, count: 8)
        var got = 0
        while got < 8 && status != Z_STREAM_END {
            got += try head.withUnsafeMutableBufferPointer { try step($0.baseAddress! + got, room: 8 - got) }
        }
        head.removeLast(8 - got)
        if status == Z_STREAM_END { return head }
        // zlib cannot expand data more than about 1032 times: a larger announced size is corrupt, not trusted.
        let announced = (sizeFromPrefix?(head)).map { $0 + 8 + 64 } ?? 0
        var capacity = max(min(announced, inBuffer.count * 1100 + 4096), inBuffer.count * 4, 1 << 16)
        var output: [UInt8] = []
        var produced = 0
        while status != Z_STREAM_END {
            do {
                if !output.isEmpty { capacity *= 2 }
                let previous = output
                output = try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                    if previous.isEmpty {
                        for k in 0..<8 where k < head.count { buffer[k] = head[k] }
                        produced = head.count
                    } else {
                        previous.withUnsafeBufferPointer { buffer.baseAddress!.update(from: $0.baseAddress!, count: produced) }
                    }
                    while status != Z_STREAM_END && produced < capacity {
                        produced += try step(buffer.baseAddress! + produced, room: capacity - produced)
                    }
                    count = produced
                }
            }
        }
        return output
    }
}
