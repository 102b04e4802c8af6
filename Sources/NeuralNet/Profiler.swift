// Per-layer wall-clock profile of Sequential networks (for `ssmtl bench nn --profile`).
// Off by default; when off, Sequential pays one branch per layer.
import Foundation

public enum LayerProfiler {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) private static var totals: [String: Double] = [:]
    nonisolated(unsafe) private static var order: [String] = []

    @inline(__always)
    static func time<T>(_ key: @autoclosure () -> String, _ body: () -> T) -> T {
        guard enabled else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let r = body()
        let k = key()
        if totals[k] == nil { order.append(k) }
        totals[k, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return r
    }

    public static func reset() { totals = [:]; order = [] }

    /// Lines "seconds  percent  key", in first-seen order.
    public static func report() -> [String] {
        let all = totals.values.reduce(0, +)
        return order.map { k in
            String(format: "%8.3f s %5.1f%%  %@", totals[k]!, 100 * totals[k]! / max(all, 1e-12), k)
        }
    }
}
