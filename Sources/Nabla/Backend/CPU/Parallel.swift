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
        if OpenMPTeam.run(threads: threads, { t in
            let start = t * chunk, end = Swift.min(count, start + chunk)
            if start < end { body(start..<end) }
        }) { return }
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

/// Runs loops on the OpenMP team of the runtime oneDNN already loaded (libgomp), so Nabla's kernels,
/// oneDNN and its GEMM share one set of threads (one thread budget, no oversubscription), and
/// consecutive ops find the team's threads still spinning instead of paying a wake-up each
/// (about 30 µs with `DispatchQueue.concurrentPerform`, a fifth of an elementwise op on 1M floats).
enum OpenMPTeam {
    private typealias ParallelFunction = @convention(c) (
        @convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    private typealias ThreadNumber = @convention(c) () -> Int32

    private struct Entry: @unchecked Sendable {
        let parallel: ParallelFunction
        let threadNumber: ThreadNumber
    }

    /// libgomp's `GOMP_parallel` and `omp_get_thread_num`, when loaded.
    private static let entry: Entry? = {
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "GOMP_parallel"),
              let n = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_thread_num") else { return nil }
        return Entry(parallel: unsafeBitCast(p, to: ParallelFunction.self), threadNumber: unsafeBitCast(n, to: ThreadNumber.self))
    }()

    /// What each team thread runs: the body and the thread-number function.
    private struct Context {
        let body: (Int) -> Void
        let threadNumber: ThreadNumber
    }

    /// Runs `body(0..<threads)` on the team; false when no OpenMP runtime is loaded.
    static func run(threads: Int, _ body: (Int) -> Void) -> Bool {
        guard let entry else { return false }
        return withoutActuallyEscaping(body) { body in
            var context = Context(body: body, threadNumber: entry.threadNumber)
            withUnsafeMutablePointer(to: &context) { pointer in
                entry.parallel({ raw in
                    let context = raw!.assumingMemoryBound(to: Context.self)
                    context.pointee.body(Int(context.pointee.threadNumber()))
                }, UnsafeMutableRawPointer(pointer), UInt32(threads), 0)
            }
            return true
        }
    }
}
