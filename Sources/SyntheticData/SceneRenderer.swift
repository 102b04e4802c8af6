import Foundation
import Randomness
import VideoIO

/// Settings of a synthetic scene. Sizes are in pixels, speeds in pixels per frame.
public struct SceneSettings: Sendable {
    public var width = 192
    public var height = 128
    public var fps = 25.0
    /// Feet lines of the walkways, top to bottom.
    public var lanes = [44, 84, 122]
    public var walkerSpeed = 0.8...1.4
    /// Mean frames between two walkers entering.
    public var meanSpawnInterval = 30.0
    /// Per-pixel sensor noise amplitude (uniform, +/-).
    public var noise = 3

    public init() {}
}

/// Draws one video of the scene frame by frame, with the pixel mask and boxes of the anomalous actors.
struct SceneRenderer {
    let settings: SceneSettings
    let background: [UInt8]
    var actors: [Actor]
    var rng: SplitMix64

    init(settings: SceneSettings, background: [UInt8], actors: [Actor], seed: UInt64) {
        self.settings = settings
        self.background = background
        self.actors = actors.sorted { $0.lane < $1.lane }
        rng = SplitMix64(seed: seed)
    }

    struct Rendered {
        var frame: Frame
        /// 0/1 per pixel: covered by an anomalous actor.
        var mask: [UInt8]
        /// Inclusive boxes of the anomalous actors visible in the frame, keyed by actor number.
        var anomalyBoxes: [(actor: Int, box: (x1: Int, y1: Int, x2: Int, y2: Int))]
    }

    mutating func render(frameIndex: Int) -> Rendered {
        let w = settings.width, h = settings.height
        var pixels = background
        for i in 0..<pixels.count {
            let n = Int(rng.next() % UInt64(2 * settings.noise + 1)) - settings.noise
            pixels[i] = UInt8(clamping: Int(pixels[i]) + n)
        }
        var mask = [UInt8](repeating: 0, count: w * h)
        var boxes: [(Int, (Int, Int, Int, Int))] = []
        for (number, actor) in actors.enumerated() {
            let age = frameIndex - actor.startFrame
            guard age >= 0 else { continue }
            let start = actor.direction > 0 ? -Double(actor.bodyWidth) : Double(w + actor.bodyWidth)
            let x = start + Double(actor.direction) * actor.distance(after: age)
            guard x > -Double(actor.bodyWidth) * 1.5, x < Double(w) + Double(actor.bodyWidth) * 1.5 else { continue }
            var painter = Painter(width: w, height: h, pixels: pixels, mask: mask, marking: actor.kind.isAnomalous)
            draw(actor, centerX: Int(x.rounded()), age: age, on: &painter)
            pixels = painter.pixels
            mask = painter.mask
            if actor.kind.isAnomalous, let box = painter.markedBox {
                boxes.append((number, box))
            }
        }
        let frame = Frame(index: frameIndex, timestamp: Double(frameIndex) / settings.fps, width: w, height: h,
                          layout: .rgb24, pixels: pixels)
        return Rendered(frame: frame, mask: mask, anomalyBoxes: boxes.map { (actor: $0.0, box: $0.1) })
    }

    private func draw(_ actor: Actor, centerX x: Int, age: Int, on painter: inout Painter) {
        let feet = settings.lanes[actor.lane]
        let c = actor.color
        if actor.kind == .cart {
            // A low box on two wheels, with a handle at the back.
            painter.fill(x1: x - 17, y1: feet - 16, x2: x + 16, y2: feet - 4, color: c)
            painter.fill(x1: x - 14, y1: feet - 13, x2: x + 13, y2: feet - 7, color: (c.0 / 2, c.1 / 2, c.2 / 2))
            painter.fill(x1: x - 13, y1: feet - 4, x2: x - 9, y2: feet, color: (20, 20, 20))
            painter.fill(x1: x + 8, y1: feet - 4, x2: x + 12, y2: feet, color: (20, 20, 20))
            let back = x - 18 * actor.direction
            painter.fill(x1: min(back, back + 2), y1: feet - 22, x2: max(back, back + 2), y2: feet - 16, color: (60, 60, 60))
            return
        }
        // Walkers face where they go; a backwards walker faces the other way.
        let facing = actor.kind == .backwards ? -actor.direction : actor.direction
        let moving = actor.isMoving(after: age)
        let stride = actor.kind == .runner ? 0.9 : 0.45
        let swing = moving ? sin(actor.phase + Double(age) * stride * (actor.kind == .backwards ? -1 : 1)) : 0
        let legReach = actor.kind == .runner ? 5.0 : 3.0
        let hip = feet - 9
        // Legs: two thick strokes swinging in opposition.
        for side in [-1.0, 1.0] {
            let footX = x + Int((side * swing * legReach).rounded())
            painter.line(x0: x, y0: hip, x1: footX, y1: feet, thickness: 2, color: (40, 40, 60))
        }
        // Torso, leaning forward when running.
        let lean = actor.kind == .runner ? 2 * facing : 0
        painter.fill(x1: x - 4 + lean, y1: feet - 20, x2: x + 4 + lean, y2: hip, color: c)
        // A bag on the front and a head with a face offset: the cues that tell which way the walker faces.
        painter.fill(x1: x + 4 * facing, y1: feet - 15, x2: x + 6 * facing, y2: feet - 11, color: (200, 190, 60))
        painter.disc(cx: x + lean + facing, cy: feet - 23, radius: 3, color: (225, 190, 160))
        painter.fill(x1: x + lean + 2 * facing, y1: feet - 24, x2: x + lean + 3 * facing, y2: feet - 23, color: (30, 30, 30))
    }
}

/// Pixel drawing on a packed RGB buffer, marking covered pixels in a mask when asked.
struct Painter {
    let width: Int, height: Int
    var pixels: [UInt8]
    var mask: [UInt8]
    let marking: Bool
    var markedBox: (x1: Int, y1: Int, x2: Int, y2: Int)?

    init(width: Int, height: Int, pixels: [UInt8], mask: [UInt8], marking: Bool) {
        self.width = width; self.height = height; self.pixels = pixels; self.mask = mask; self.marking = marking
    }

    mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = y * width + x
        pixels[3 * i] = color.0; pixels[3 * i + 1] = color.1; pixels[3 * i + 2] = color.2
        if marking {
            mask[i] = 1
            if let b = markedBox {
                markedBox = (min(b.x1, x), min(b.y1, y), max(b.x2, x), max(b.y2, y))
            } else {
                markedBox = (x, y, x, y)
            }
        }
    }

    mutating func fill(x1: Int, y1: Int, x2: Int, y2: Int, color: (UInt8, UInt8, UInt8)) {
        guard x1 <= x2, y1 <= y2 else { return fill(x1: min(x1, x2), y1: min(y1, y2), x2: max(x1, x2), y2: max(y1, y2), color: color) }
        for y in y1...y2 { for x in x1...x2 { set(x, y, color) } }
    }

    mutating func disc(cx: Int, cy: Int, radius: Int, color: (UInt8, UInt8, UInt8)) {
        for y in (cy - radius)...(cy + radius) {
            for x in (cx - radius)...(cx + radius) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius {
                set(x, y, color)
            }
        }
    }

    mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, thickness: Int, color: (UInt8, UInt8, UInt8)) {
        let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for s in 0...steps {
            let x = x0 + (x1 - x0) * s / steps, y = y0 + (y1 - y0) * s / steps
            fill(x1: x, y1: y, x2: x + thickness - 1, y2: y, color: color)
        }
    }
}

/// A still textured background: soft colour gradients, paving stripes along the walkways, and fine grain.
func makeBackground(settings: SceneSettings, rng: inout SplitMix64) -> [UInt8] {
    let w = settings.width, h = settings.height
    var pixels = [UInt8](repeating: 0, count: w * h * 3)
    let fx = 0.03 + rng.unit() * 0.03, fy = 0.04 + rng.unit() * 0.03, phase = rng.unit() * 6.28
    for y in 0..<h {
        let onWalkway = settings.lanes.contains { y > $0 - 26 && y <= $0 + 2 }
        for x in 0..<w {
            let wave = 20 * sin(Double(x) * fx + phase) * cos(Double(y) * fy)
            let grain = Double(rng.next() % 17) - 8
            var base = onWalkway ? 150.0 : 95.0
            if onWalkway && (x / 12 + y / 6) % 2 == 0 { base -= 12 }
            let v = base + wave + grain
            pixels[3 * (y * w + x)] = UInt8(clamping: Int(v + 8))
            pixels[3 * (y * w + x) + 1] = UInt8(clamping: Int(v + (onWalkway ? 4 : 20)))
            pixels[3 * (y * w + x) + 2] = UInt8(clamping: Int(v - 6))
        }
    }
    return pixels
}
