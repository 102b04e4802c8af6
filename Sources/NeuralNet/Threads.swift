// One thread budget for the process. Rule (OpenBLAS is a pthreads build with its own pool):
// either BLAS uses N threads and our Swift loops run serially, or BLAS uses 1 thread and our
// loops use N workers. Never both above one, so we never oversubscribe the cores.
import CBLAS

public enum ThreadPlan: Sendable, Equatable {
    case blas(Int)        // BLAS threads = n, Swift loops serial
    case swiftLoops(Int)  // BLAS threads = 1, Swift loops over n workers
}

public enum Threads {
    nonisolated(unsafe) public private(set) static var plan: ThreadPlan = .blas(1)

    /// Number of cores the process may use.
    public static var cores: Int { max(1, sysconfCores()) }

    /// Applies a `--threads` budget (0 or less = all cores). Returns the plan in force.
    @discardableResult
    public static func configure(threads requested: Int, preferBLAS: Bool = true) -> ThreadPlan {
        let n = requested <= 0 ? cores : min(requested, cores)
        if preferBLAS {
            openblas_set_num_threads(Int32(n))
            plan = .blas(n)
        } else {
            openblas_set_num_threads(1)
            plan = .swiftLoops(n)
        }
        return plan
    }

    /// Workers available to Swift loops under the current plan.
    public static var swiftWorkers: Int {
        if case .swiftLoops(let n) = plan { return n }
        return 1
    }

    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename`, e.g. Haswell, Zen, Cooperlake; the
    /// `OPENBLAS_CORETYPE` environment variable overrides it). Rounding, and so a run's figures, depend on it.
    public static var blasCoreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}

#if canImport(Glibc)
import Glibc
private func sysconfCores() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Darwin
private func sysconfCores() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif

import Dispatch

/// Runs body(worker, range) over `count` items split into contiguous chunks, one per Swift worker
/// (serial when the plan gives BLAS the threads).
@inline(__always)
public func parallelChunks(_ count: Int, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
    let workers = min(Threads.swiftWorkers, count)
    if workers <= 1 { body(0, 0..<count); return }
    withoutActuallyEscaping(body) { escapable in
        // Workers touch disjoint ranges (callers guarantee it), so handing the closure over is safe.
        let box = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            box.value(w, lo..<hi)
        }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
