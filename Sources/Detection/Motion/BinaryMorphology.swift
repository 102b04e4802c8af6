/// Dilation and erosion of a 0/1 mask with a square (2r+1) window, as two separable running-count passes:
/// O(pixels) whatever the radius. Outside the frame counts as 0 for dilation and, by default, for erosion too; the
/// erosion of a closing passes `outsideSet: true` so that the closing never eats into objects at the frame edge.
enum BinaryMorphology {
    /// mask (h, w) of 0/1, in place. dilate: any 1 in the window; erode: all 1 in the window.
    static func apply(_ mask: inout [UInt8], width w: Int, height h: Int, radius r: Int, dilate: Bool, outsideSet: Bool = false, scratch: inout [UInt8]) {
        guard r > 0 else { return }
        if scratch.count != mask.count { scratch = [UInt8](repeating: 0, count: mask.count) }
        let window = 2 * r + 1
        mask.withUnsafeMutableBufferPointer { m in
            scratch.withUnsafeMutableBufferPointer { s in
                // Rows: m -> s
                for y in 0..<h {
                    let row = m.baseAddress! + y * w, out = s.baseAddress! + y * w
                    var count = 0
                    for x in 0..<min(r, w) { count += Int(row[x]) }
                    for x in 0..<w {
                        if x + r < w { count += Int(row[x + r]) }
                        if x - r - 1 >= 0 { count -= Int(row[x - r - 1]) }
                        let full = outsideSet ? min(w - 1, x + r) - max(0, x - r) + 1 : window
                        out[x] = dilate ? (count > 0 ? 1 : 0) : (count == full ? 1 : 0)
                    }
                }
                // Columns: s -> m
                for x in 0..<w {
                    var count = 0
                    for y in 0..<min(r, h) { count += Int(s[y * w + x]) }
                    for y in 0..<h {
                        if y + r < h { count += Int(s[(y + r) * w + x]) }
                        if y - r - 1 >= 0 { count -= Int(s[(y - r - 1) * w + x]) }
                        let full = outsideSet ? min(h - 1, y + r) - max(0, y - r) + 1 : window
                        m[y * w + x] = dilate ? (count > 0 ? 1 : 0) : (count == full ? 1 : 0)
                    }
                }
            }
        }
    }
}
