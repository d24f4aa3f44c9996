import Dispatch
import Synchronization

/// The one global thread budget for kernels, BLAS/oneDNN and loader workers, so nothing
/// oversubscribes the cores.
public enum ThreadBudget {
    private static let storedCount = Atomic<Int>(System.activeProcessorCount)

    /// Threads a kernel may use (default: the number of active cores).
    public static var threadCount: Int {
        get { storedCount.load(ordering: .relaxed) }
        set {
            storedCount.store(max(1, newValue), ordering: .relaxed)
        }
    }
}

/// Facts about the machine.
enum System {
    /// Cores this process may run on.
    static let activeProcessorCount: Int = {
        #if canImport(Glibc)
        let n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return max(1, n)
        #else
        return 1
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#endif

/// Splitting of loops across the thread budget.
enum Parallel {
    /// Runs `body` over disjoint chunks covering `0..<count`, in parallel when each thread would get at
    /// least `grain` iterations.
    @inline(__always)
    static func forChunks(count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(ThreadBudget.threadCount, count / max(grain, 1))
        if threads <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let chunk = (count + threads - 1) / threads
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = t * chunk
                let end = min(count, start + chunk)
                if start < end { box.value(start..<end) }
            }
        }
    }

    /// Elements per thread below which elementwise kernels stay on one thread.
    static let elementwiseGrain = 1 << 15
}

/// Carries a non-Sendable value (a closure over raw pointers) into a parallel loop whose chunks
/// touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
