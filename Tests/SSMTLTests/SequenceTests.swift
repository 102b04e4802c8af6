import Foundation
import XCTest
@testable import SSMTL
import Randomness
import VideoIO

typealias TestRNG = SplitMix64

final class SequenceTests: XCTestCase {
    func testBoxGeometryIsInclusive() {
        let a = PixelBox(x1: 0, y1: 0, x2: 9, y2: 9)
        XCTAssertEqual(a.area, 100)
        let b = PixelBox(x1: 5, y1: 0, x2: 14, y2: 9)
        // Intersection 5x10 = 50; union 100 + 100 - 50 = 150.
        XCTAssertEqual(a.iou(b), 50.0 / 150.0, accuracy: 1e-12)
        XCTAssertEqual(a.iou(PixelBox(x1: 10, y1: 0, x2: 12, y2: 9)), 0)
        XCTAssertEqual(PixelBox(x1: -3, y1: 2, x2: 400, y2: 7).clipped(width: 360, height: 240),
                       PixelBox(x1: 0, y1: 2, x2: 359, y2: 7))
    }

    /// The match of score reuse and of links: the box overlapping most, at an IoU of at least the threshold, the
    /// first of equal overlaps.
    func testBestOverlapTakesTheLargestIoUAboveTheThresholdAndTheFirstOnTies() {
        let box = PixelBox(x1: 0, y1: 0, x2: 9, y2: 9)
        let left = PixelBox(x1: -2, y1: 0, x2: 7, y2: 9), right = PixelBox(x1: 2, y1: 0, x2: 11, y2: 9)  // IoU 8/12 each
        let closer = PixelBox(x1: 1, y1: 0, x2: 10, y2: 9)                                            // IoU 9/11
        let far = PixelBox(x1: 20, y1: 0, x2: 29, y2: 9)
        XCTAssertEqual(box.iou(left), box.iou(right))
        XCTAssertEqual(box.bestOverlap(among: [far, left, right], minimumIoU: 0.5), 1, "the first of two equal overlaps")
        XCTAssertEqual(box.bestOverlap(among: [far, right, left], minimumIoU: 0.5), 1)
        XCTAssertEqual(box.bestOverlap(among: [left, right, closer], minimumIoU: 0.5), 2, "the largest overlap")
        XCTAssertEqual(box.bestOverlap(among: [left], minimumIoU: 8.0 / 12.0), 0, "an IoU equal to the threshold counts")
        XCTAssertNil(box.bestOverlap(among: [left, right], minimumIoU: 0.7), "none reaches the threshold")
        XCTAssertNil(box.bestOverlap(among: [far], minimumIoU: 0.5))
        XCTAssertNil(box.bestOverlap(among: [], minimumIoU: 0.5))
    }

    func testOffsets() {
        XCTAssertEqual(TemporalOffsets.forward(), [-3, -2, -1, 0, 1, 2, 3])
        XCTAssertEqual(TemporalOffsets.backward(), [3, 2, 1, 0, -1, -2, -3])
        XCTAssertEqual(TemporalOffsets.middleBoxInput(), [-3, -2, -1, 1, 2, 3])
        var rng = TestRNG(seed: 7)
        for _ in 0..<500 {
            let o = TemporalOffsets.irregular(using: &rng)
            XCTAssertEqual(o.count, 7)
            XCTAssertEqual(o[3], 0)
            XCTAssertTrue(zip(o.dropFirst(), o).allSatisfy { $0 > $1 }, "strictly increasing: \(o)")
            XCTAssertTrue(o.allSatisfy { abs($0) <= 15 })
            XCTAssertTrue(zip(o.dropFirst(), o).contains { $0 - $1 > 1 }, "irregular: \(o)")
        }
    }

    func testFastForwardIrregularSequences() {
        var rng = TestRNG(seed: 11)
        var strides: [Int: Int] = [:], random = 0
        for _ in 0..<2000 {
            let o = TemporalOffsets.irregular(fastForwardShare: 0.4, using: &rng)
            XCTAssertEqual(o.count, 7)
            XCTAssertEqual(o[3], 0)
            XCTAssertTrue(zip(o.dropFirst(), o).allSatisfy { $0 > $1 }, "strictly increasing: \(o)")
            XCTAssertTrue(o.allSatisfy { abs($0) <= 15 })
            XCTAssertTrue(zip(o.dropFirst(), o).contains { $0 - $1 > 1 }, "irregular: \(o)")
            if o == (-3...3).map({ $0 * o[4] }) { strides[o[4], default: 0] += 1 } else { random += 1 }
        }
        XCTAssertEqual(Set(strides.keys), [2, 3, 4, 5], "every stride k with 3k <= 15")
        let share = Double(strides.values.reduce(0, +)) / 2000
        XCTAssertEqual(share, 0.4, accuracy: 0.04)
        for k in 2...5 { XCTAssertEqual(Double(strides[k]!) / 2000, 0.1, accuracy: 0.025, "stride \(k)") }
        XCTAssertGreaterThan(random, 0)
        // A maximum offset too short for a stride of 2 leaves only random sequences.
        for _ in 0..<50 {
            let o = TemporalOffsets.irregular(t: 3, maxOffset: 5, fastForwardShare: 1, using: &rng)
            XCTAssertTrue(o.allSatisfy { abs($0) <= 5 })
        }
    }

    /// Identity crop: a box of exactly side x side pixels reproduces the pixels (scaled to [0,1]).
    func testCropWithoutResizeIsExact() {
        let frame = rampFrame(width: 20, height: 12)
        let box = PixelBox(x1: 3, y1: 2, x2: 10, y2: 9) // 8x8
        var out = [Float](repeating: -1, count: 3 * 64)
        out.withUnsafeMutableBufferPointer { cropResizeBilinear(frame, box: box, side: 8, into: $0.baseAddress!, planeStride: 64) }
        for c in 0..<3 { for y in 0..<8 { for x in 0..<8 {
            let expected = Float(frame.pixels[((y + 2) * 20 + (x + 3)) * 3 + c]) / 255
            XCTAssertEqual(out[c * 64 + y * 8 + x], expected, accuracy: 1e-6)
        } } }
    }

    /// Downscaling by exactly 2 with centre-aligned bilinear samples averages each 2x2 block.
    func testCropHalvesByAveragingBlocks() {
        let frame = rampFrame(width: 16, height: 16)
        var out = [Float](repeating: 0, count: 3 * 16)
        let box = PixelBox(x1: 0, y1: 0, x2: 7, y2: 7)
        out.withUnsafeMutableBufferPointer { cropResizeBilinear(frame, box: box, side: 4, into: $0.baseAddress!, planeStride: 16) }
        for y in 0..<4 { for x in 0..<4 {
            let p = { (yy: Int, xx: Int) in Float(frame.pixels[(yy * 16 + xx) * 3]) }
            let mean = (p(2 * y, 2 * x) + p(2 * y, 2 * x + 1) + p(2 * y + 1, 2 * x) + p(2 * y + 1, 2 * x + 1)) / 4 / 255
            XCTAssertEqual(out[y * 4 + x], mean, accuracy: 1e-6)
        } }
    }

    func testWindowClampsAtTheEnds() {
        let window = FrameWindow(radius: 3)
        for i in 0..<5 {
            window.push(Frame(index: i, width: 1, height: 1, layout: .gray8, pixels: [UInt8(i)]))
        }
        XCTAssertTrue(window.isWindowComplete(around: 1))
        XCTAssertFalse(window.isWindowComplete(around: 2))
        XCTAssertEqual(window.frame(at: -3).pixels, [0], "before the start: the first frame")
        window.markEnd()
        XCTAssertTrue(window.isWindowComplete(around: 4))
        XCTAssertEqual(window.frame(at: 7).pixels, [4], "after the end: the last frame")
    }

    func testShiftedWindowStaysInsideTheVideo() {
        let window = FrameWindow(radius: 3, edgePolicy: .shiftInside)
        for i in 0..<6 { window.push(Frame(index: i, width: 1, height: 1, layout: .gray8, pixels: [UInt8(i)])) }
        XCTAssertEqual(window.windowCentre(for: 0), 3, "the first detection is cropped in frames 0...6")
        XCTAssertFalse(window.isWindowComplete(around: 0), "frame 6 is not there yet")
        window.push(Frame(index: 6, width: 1, height: 1, layout: .gray8, pixels: [6]))
        XCTAssertTrue(window.isWindowComplete(around: 0))
        XCTAssertTrue(window.isWindowComplete(around: 3))
        XCTAssertFalse(window.isWindowComplete(around: 4))
        XCTAssertEqual(window.windowCentre(for: 5), 5, "away from the start the window is not moved while the end is unknown")
        for i in 7..<10 { window.push(Frame(index: i, width: 1, height: 1, layout: .gray8, pixels: [UInt8(i)])) }
        window.markEnd()
        XCTAssertEqual(window.windowCentre(for: 9), 6, "the last detection is cropped in frames 3...9")
        XCTAssertEqual(window.windowCentre(for: 5), 5)
        XCTAssertEqual((-3...3).map { window.frame(at: window.windowCentre(for: 8) + $0).pixels[0] }, [3, 4, 5, 6, 7, 8, 9])

        let short = FrameWindow(radius: 3, edgePolicy: .shiftInside)
        for i in 0..<5 { short.push(Frame(index: i, width: 1, height: 1, layout: .gray8, pixels: [UInt8(i)])) }
        short.markEnd()
        XCTAssertEqual(short.windowCentre(for: 1), 1, "a video shorter than the window repeats its edge frames")
        XCTAssertTrue(short.isWindowComplete(around: 4))
    }

    private func rampFrame(width: Int, height: Int) -> Frame {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width {
            pixels[(y * width + x) * 3] = UInt8((x * 13 + y * 7) & 255)
            pixels[(y * width + x) * 3 + 1] = UInt8((x * 3 + y * 17) & 255)
            pixels[(y * width + x) * 3 + 2] = UInt8((x * y) & 255)
        } }
        return Frame(width: width, height: height, layout: .rgb24, pixels: pixels)
    }
}

final class SequenceTensorTests: XCTestCase {
    /// Frames whose pixels all equal their index: each time step of the tensor must hold its frame's value,
    /// with clamping at the ends and the (N, C, T, H, W) layout.
    func testLayoutAndClamping() {
        let window = FrameWindow(radius: 3)
        for i in 0..<4 {
            window.push(Frame(index: i, width: 8, height: 8, layout: .rgb24, pixels: [UInt8](repeating: UInt8(10 * i), count: 192)))
        }
        window.markEnd()
        var tensor = SequenceTensor(count: 2, frames: 7, side: 4)
        let box = PixelBox(x1: 1, y1: 1, x2: 6, y2: 6)
        tensor.fill(object: 1, box: box, center: 1, offsets: TemporalOffsets.forward(), window: window)
        // Object 0 untouched.
        XCTAssertTrue(tensor.values[0..<tensor.objectStride].allSatisfy { $0 == 0 })
        let expectedFrames = [0, 0, 0, 1, 2, 3, 3] // 1-3 ... 1+3, clamped to 0...3
        for c in 0..<3 {
            for t in 0..<7 {
                let start = tensor.objectStride + (c * 7 + t) * 16
                let plane = tensor.values[start..<(start + 16)]
                XCTAssertTrue(plane.allSatisfy { abs($0 - Float(10 * expectedFrames[t]) / 255) < 1e-6 }, "c \(c) t \(t)")
            }
        }
    }
}

final class CropGoldenTests: XCTestCase {
    /// The fast crop (source rows interpolated once, blended 8 at a time) equals the plain one to the bit: boxes larger
    /// and smaller than the crop, one pixel high or wide, partly or wholly outside the frame, grey and colour frames,
    /// sides that are and are not multiples of 8, and a plane stride that interleaves time.
    func testFastCropEqualsTheReferenceBitForBit() {
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        for layout in [PixelLayout.rgb24, .gray8] {
            let (width, height) = (57, 43)
            let pixels = (0..<(width * height * layout.channels)).map { _ in UInt8(next(256)) }
            let frame = Frame(width: width, height: height, layout: layout, pixels: pixels)
            var boxes = [PixelBox(x1: 0, y1: 0, x2: 56, y2: 42), PixelBox(x1: 10, y1: 5, x2: 10, y2: 30),
                         PixelBox(x1: 3, y1: 20, x2: 40, y2: 20), PixelBox(x1: -12, y1: -7, x2: 8, y2: 9),
                         PixelBox(x1: 50, y1: 38, x2: 80, y2: 60), PixelBox(x1: 70, y1: 50, x2: 90, y2: 70)]
            for _ in 0..<40 {
                let x1 = next(70) - 10, y1 = next(55) - 10
                boxes.append(PixelBox(x1: x1, y1: y1, x2: x1 + next(90), y2: y1 + next(90)))
            }
            for side in [64, 13, 8, 1] {
                let stride = 3 * side * side
                for box in boxes {
                    var fast = [Float](repeating: .nan, count: layout.channels * stride)
                    var plain = fast
                    fast.withUnsafeMutableBufferPointer { cropResizeBilinear(frame, box: box, side: side, into: $0.baseAddress!, planeStride: stride) }
                    plain.withUnsafeMutableBufferPointer { cropResizeBilinearReference(frame, box: box, side: side, into: $0.baseAddress!, planeStride: stride) }
                    XCTAssertEqual(fast.map(\.bitPattern), plain.map(\.bitPattern), "\(layout) side \(side) box \(box)")
                }
            }
        }
    }

    /// The crop equals PyTorch's bilinear interpolate of the box region (Scripts/make_sequence_fixtures.py).
    func testCropMatchesPyTorchBilinear() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/crop_bilinear.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let width = json["width"] as! Int, height = json["height"] as! Int
        let frame = Frame(width: width, height: height, layout: .rgb24, pixels: (json["frame"] as! [Int]).map(UInt8.init))
        let cases = json["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let b = c["box"] as! [Int], side = c["side"] as! Int
            let expected = (c["expected"] as! [Double]).map(Float.init)
            var out = [Float](repeating: 0, count: 3 * side * side)
            out.withUnsafeMutableBufferPointer {
                cropResizeBilinear(frame, box: PixelBox(x1: b[0], y1: b[1], x2: b[2], y2: b[3]), side: side,
                                   into: $0.baseAddress!, planeStride: side * side)
            }
            let worst = zip(out, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5, "box \(b) side \(side)")
        }
    }
}
