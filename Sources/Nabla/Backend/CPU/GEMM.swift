// GEMM for the CPU backend. Measured on this machine kind (2 cores, AVX-512), 2026-11-21, in one run
// of scripts/bench_core.sh: dnnl_sgemm 204 / 218 GFLOPS at n = 1024 / 2048; OpenBLAS 0.3.21 with its
// auto-detected kernels (Cooperlake here) 200 / 199, with SkylakeX kernels 192 / 196. oneDNN is at
// least as fast at every size measured, so it serves all float32 shapes (Linear-shaped products through
// its matmul primitive, see `prefersMatmulPrimitive`); OpenBLAS serves float64 and is the fallback. See
// docs/GEMM.md for the figures and how to re-measure.

import CDNNL
import COpenBLAS
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Dense matrix multiply for the CPU backend, served by OpenBLAS or oneDNN, whichever measured faster for
/// the shape class (see the file header and `docs/GEMM.md`).
enum GEMM {
    /// A library that can serve a GEMM call.
    enum Provider: Sendable, Equatable {
        /// oneDNN's `dnnl_sgemm` (row-major, OpenMP threads).
        case oneDNN
        /// OpenBLAS's `cblas_sgemm` / `cblas_dgemm` (row-major, OpenBLAS's own pthreads pool).
        case openBLAS
        /// oneDNN's matmul primitive, one per geometry, built on first use and cached
        /// (`OneDNNStridedMatmul`); serves `C = op(A)·op(B)` (alpha 1, beta 0) outside parallel regions and
        /// hands anything else to `dnnl_sgemm`.
        case oneDNNMatmulPrimitive
    }

    /// Row-major `C = alpha * op(A) * op(B) + beta * C`, where `op(X)` is `X` or `X^T`; `op(A)` is `m x k`,
    /// `op(B)` is `k x n`, `C` is `m x n`. `lda`, `ldb`, `ldc` are row strides in elements.
    ///
    /// Follows BLAS semantics: when `k == 0` or `alpha == 0`, `A` and `B` are not read and `C` becomes
    /// `beta * C` (`C` is overwritten with zeros, not multiplied, when `beta == 0`, so NaNs in `C` vanish).
    /// Safe to call from several threads at once.
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        sgemm(
            using: provider(for: m, n, k, transposeA: transposeA, transposeB: transposeB),
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// `sgemm` served by a given library, bypassing the per-shape choice (benchmarks and tests).
    static func sgemm(
        using provider: Provider, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard validate("sgemm", transposeA, transposeB, m, n, k, lda, ldb, ldc) else { return }
        if k == 0 || alpha == 0 {
            scale(c, rows: m, columns: n, ldc: ldc, by: beta)
            return
        }
        let rt = Runtime.shared
        // The primitive's plan serialises its callers, so GEMMs run from several threads at once (the
        // attention kernel's tiles, inside a parallel region) keep to `dnnl_sgemm`.
        if provider == .oneDNNMatmulPrimitive, alpha == 1, beta == 0, !rt.inParallelRegion {
            rt.useOpenMPThreads()
            OneDNNStridedMatmul.shared(.init(m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB,
                                             lda: lda, ldb: ldb, ldc: ldc))
                .multiply(a, b, into: c)
            return
        }
        if provider != .openBLAS {
            rt.useOpenMPThreads()
            let status = dnnl_sgemm(
                transposeA ? 84 : 78, transposeB ? 84 : 78,  // "T" : "N"
                Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
            if status == dnnl_success { return }
            // Arguments were validated above, so this is unexpected; OpenBLAS still gives the right answer.
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    /// Double-precision `C = alpha * op(A) * op(B) + beta * C` (row-major), always served by OpenBLAS's
    /// `cblas_dgemm` (oneDNN has no f64 GEMM). Same conventions as `sgemm`.
    static func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard validate("dgemm", transposeA, transposeB, m, n, k, lda, ldb, ldc) else { return }
        if k == 0 || alpha == 0 {
            scale(c, rows: m, columns: n, ldc: ldc, by: beta)
            return
        }
        _ = Runtime.shared
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    /// The library that serves an `m x k` times `k x n` `sgemm`, as a short name for docs and benchmarks:
    /// `"onednn"` or `"openblas-<core>"` (the OpenBLAS kernel set in use, e.g. `"openblas-skylakex"`).
    static func provider(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) -> String {
        switch provider(for: m, n, k, transposeA: transposeA, transposeB: transposeB) {
        case .oneDNN: return "onednn"
        case .oneDNNMatmulPrimitive: return "onednn-matmul"
        case .openBLAS: return "openblas-" + Runtime.shared.openBLASCore.lowercased()
        }
    }

    /// The per-shape choice: oneDNN everywhere for float32 (it measured at least as fast as OpenBLAS at
    /// every size; see the file header), through its matmul primitive where `prefersMatmulPrimitive`.
    static func provider(for m: Int, _ n: Int, _ k: Int, transposeA: Bool, transposeB: Bool) -> Provider {
        prefersMatmulPrimitive(transposeA: transposeA, transposeB: transposeB, m: m) ? .oneDNNMatmulPrimitive : .oneDNN
    }

    /// Whether a float32 product is faster through oneDNN's matmul primitive (`OneDNNStridedMatmul`)
    /// than through `dnnl_sgemm`: a transposed B (a Linear layer's `x·Wᵀ`) with 16 to 256 rows of A.
    /// `dnnl_sgemm` repacks Wᵀ on every call and splits such a small M badly over two threads; measured
    /// with a C harness on a 2-core Zen 4 (2026-11-22), two threads, µs per call:
    ///
    /// | m × n × k (B transposed) | `dnnl_sgemm` | matmul primitive |
    /// |---|---|---|
    /// | 1 × 256 × 784 | 10 | 20 |
    /// | 8 × 256 × 784 | 31 | 37 |
    /// | 32 × 256 × 784 | 162 | 95 |
    /// | 64 × 256 × 784 | 182–320 | 136–148 |
    /// | 256 × 256 × 784 | 737 | 570 |
    /// | 64 × 128 × 256 | 35–39 | 24 |
    /// | 32 × 384 × 384 | 88 | 55 |
    /// | 512 × 1024 × 256 | 1402 | 2116 |
    static func prefersMatmulPrimitive(transposeA: Bool, transposeB: Bool, m: Int) -> Bool {
        transposeB && !transposeA && (16...256).contains(m)
    }

    // MARK: - Threads

    /// Sets how many threads one GEMM call may use (both libraries); defaults to the number of online CPUs.
    /// Part of the process-wide thread budget: callers that run GEMMs on several threads at once should
    /// divide the budget between them.
    static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "GEMM.setThreadCount: count must be >= 1, got \(count)")
        let rt = Runtime.shared
        threadCount.store(count, ordering: .relaxed)
        openblas_set_num_threads(Int32(count))
        rt.useOpenMPThreads()
    }

    /// Threads one GEMM call may use (0 until `Runtime.shared` initialises it).
    static let threadCount = Atomic<Int>(0)

    // MARK: - Helpers

    /// Checks sizes and strides, trapping with a message that names the op and the shapes; returns false
    /// when `C` is empty (nothing to do). `lda`/`ldb` are not checked when `k == 0` (A and B are not read),
    /// nor anything when `C` is empty, so empty tensors may pass a stride of 0.
    private static func validate(
        _ op: String, _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ lda: Int, _ ldb: Int, _ ldc: Int
    ) -> Bool {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM.\(op): negative size m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return false }
        let minA = max(1, ta ? m : k), minB = max(1, tb ? k : n)
        precondition(
            ldc >= n && (k == 0 || (lda >= minA && ldb >= minB)),
            "GEMM.\(op): strides too small for m=\(m) n=\(n) k=\(k) transposeA=\(ta) transposeB=\(tb): "
                + "lda=\(lda) (min \(minA)), ldb=\(ldb) (min \(minB)), ldc=\(ldc) (min \(n))")
        precondition(
            max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "GEMM.\(op): size exceeds 32-bit BLAS indices")
        return true
    }

    /// `C = beta * C` over an `rows x columns` block; `beta == 0` writes zeros (BLAS semantics).
    private static func scale<T: BinaryFloatingPoint>(
        _ c: UnsafeMutablePointer<T>, rows: Int, columns: Int, ldc: Int, by beta: T
    ) {
        if beta == 1 { return }
        for i in 0..<rows {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: columns)
            } else {
                for j in 0..<columns { row[j] *= beta }
            }
        }
    }

    /// Narrows to the 32-bit `blasint` of Debian's OpenBLAS (bounds checked in `validate`).
    @inline(__always) private static func blasInt(_ x: Int) -> Int32 { Int32(truncatingIfNeeded: x) }
}

// MARK: - One-time library setup

extension GEMM {
    /// Process-wide setup done once, on the first GEMM call (Swift runs a `static let` initialiser exactly
    /// once, and other threads wait for it): picks OpenBLAS's AVX-512 kernels where the CPU has AVX-512 but
    /// OpenBLAS did not detect it, sets both libraries' thread counts, and finds the OpenMP entry points.
    struct Runtime: @unchecked Sendable {  // immutable after init; C function pointers only
        /// The one instance; created on first use.
        static let shared = Runtime()

        /// Whether the CPU and OS support AVX-512 (oneDNN's `avx512_core` ISA level: F, CD, BW, DQ, VL).
        let cpuHasAVX512: Bool
        /// OpenBLAS's kernel set as detected by its library constructor, before any change made here.
        let detectedOpenBLASCore: String
        /// `omp_set_num_threads` of the OpenMP runtime oneDNN runs on (libgomp), if loaded.
        private let ompSetNumThreads: (@convention(c) (Int32) -> Void)?
        /// `omp_get_max_threads` of the same runtime.
        private let ompGetMaxThreads: (@convention(c) () -> Int32)?
        /// `omp_in_parallel` of the same runtime.
        private let ompInParallel: (@convention(c) () -> Int32)?

        /// OpenBLAS's kernel set in use now, e.g. `"SkylakeX"`, `"Cooperlake"`, `"Haswell"`.
        var openBLASCore: String { OpenBLASCore.current }

        private init() {
            let isa = dnnl_get_effective_cpu_isa().rawValue
            cpuHasAVX512 = isa & dnnl_cpu_isa_avx512_core.rawValue == dnnl_cpu_isa_avx512_core.rawValue
            detectedOpenBLASCore = OpenBLASCore.current
            if cpuHasAVX512, getenv("OPENBLAS_CORETYPE") == nil,
                !OpenBLASCore.avx512Cores.contains(detectedOpenBLASCore.lowercased())
            {
                _ = OpenBLASCore.select("SkylakeX")
            }
            ompSetNumThreads = Runtime.symbol("omp_set_num_threads")
            ompGetMaxThreads = Runtime.symbol("omp_get_max_threads")
            ompInParallel = Runtime.symbol("omp_in_parallel")
            let threads = max(1, Int(openblas_get_num_procs()))
            GEMM.threadCount.store(threads, ordering: .relaxed)
            openblas_set_num_threads(Int32(threads))
        }

        /// Gives the calling thread's OpenMP team (used by the next `dnnl_sgemm`) the GEMM thread count.
        /// OpenMP's thread count is a per-thread setting, so this runs before every oneDNN call; it is a
        /// thread-local read when nothing changes.
        func useOpenMPThreads() {
            guard let set = ompSetNumThreads, let get = ompGetMaxThreads else { return }
            let want = Int32(GEMM.threadCount.load(ordering: .relaxed))
            if want > 0, get() != want { set(want) }
        }

        /// Whether the calling thread runs inside an OpenMP parallel region (one of several threads of a
        /// kernel); true when no OpenMP runtime is loaded, since kernels then run on Dispatch threads.
        var inParallelRegion: Bool { ompInParallel.map { $0() != 0 } ?? true }

        /// A C function from the libraries already loaded in the process, or nil.
        static func symbol<F>(_ name: String) -> F? {
            guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }  // RTLD_DEFAULT
            return unsafeBitCast(p, to: F.self)
        }
    }

    /// OpenBLAS kernel-set selection inside the running process.
    ///
    /// Debian's OpenBLAS is a `DYNAMIC_ARCH` build: its library constructor picks a kernel table (`gotoblas`)
    /// from CPUID, or from `OPENBLAS_CORETYPE` when set, before any Swift code runs. 0.3.21 does not know Zen 5
    /// and falls back to the AVX2 Haswell kernels. The library exports `gotoblas_dynamic_quit` (clears the
    /// table pointer) and `gotoblas_dynamic_init` (picks and initialises a table, honouring
    /// `OPENBLAS_CORETYPE`); calling them with the variable set briefly is the library's own start-up path run
    /// a second time, and switches kernels without a user-visible environment variable. A `dlopen` after
    /// `setenv` would not work here: the package links libopenblas, so it is loaded before `main`.
    enum OpenBLASCore {
        /// Core names (lowercased) whose kernel tables use AVX-512.
        static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

        /// The kernel set in use (`openblas_get_corename`).
        static var current: String { String(cString: openblas_get_corename()) }

        /// Switches OpenBLAS to the named kernel set (e.g. `"SkylakeX"`); returns whether it is in use after.
        /// Not safe while another thread is inside OpenBLAS: call it only from `Runtime`'s one-time setup or
        /// from single-threaded tests and benchmarks. On failure the previous kernel set is restored.
        @discardableResult
        static func select(_ name: String) -> Bool {
            typealias Fn = @convention(c) () -> Void
            let previous = current
            if previous.lowercased() == name.lowercased() { return true }
            // The table must exist, or gotoblas_dynamic_init silently falls back to generic Prescott kernels.
            guard Runtime.symbol("gotoblas_" + name.uppercased()) as Fn? != nil,
                let quit: Fn = Runtime.symbol("gotoblas_dynamic_quit"),
                let initialise: Fn = Runtime.symbol("gotoblas_dynamic_init")
            else { return false }
            func load(_ core: String) {
                let saved = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
                setenv("OPENBLAS_CORETYPE", core, 1)
                quit()
                initialise()
                if let saved { setenv("OPENBLAS_CORETYPE", saved, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
            }
            load(name)
            if current.lowercased() == name.lowercased() { return true }
            load(previous)
            return false
        }
    }
}
