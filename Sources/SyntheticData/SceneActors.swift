/// What a synthetic actor does. Normal walkers appear in training and test videos; the other kinds are the
/// anomalies of the test videos.
public enum ActorKind: String, Sendable, CaseIterable {
    case walker
    /// Moves 3-4 times faster than a walker, legs swinging faster.
    case runner
    /// Faces one way and moves the other: the motion looks like time running backwards.
    case backwards
    /// Alternates between standing still and darting forward every few frames.
    case stopAndGo
    /// A large box-shaped object (a cart) of a size and shape no walker has.
    case cart

    public var isAnomalous: Bool { self != .walker }
}

/// One actor's path through a video: enters at `startFrame` from one side on a lane and crosses the scene.
struct Actor {
    var kind: ActorKind
    var startFrame: Int
    var lane: Int
    /// +1 moves right, -1 moves left.
    var direction: Int
    /// Pixels per frame while moving.
    var speed: Double
    var color: (UInt8, UInt8, UInt8)
    var phase: Double
    /// For stop-and-go: frames of each moving and each standing period.
    var period: Int

    var bodyWidth: Int { kind == .cart ? 34 : 10 }
    var bodyHeight: Int { kind == .cart ? 18 : 24 }

    /// Distance travelled after `t` frames of life.
    func distance(after t: Int) -> Double {
        guard kind == .stopAndGo else { return speed * Double(t) }
        // Moving periods alternate with standing ones; darts are fast so the mean speed stays walker-like.
        let fullCycles = t / (2 * period), rest = t % (2 * period)
        return speed * Double(fullCycles * period + min(rest, period))
    }

    /// Whether the actor's legs move at frame age t (a standing stop-and-go actor keeps still).
    func isMoving(after t: Int) -> Bool { kind != .stopAndGo || (t % (2 * period)) < period }
}
