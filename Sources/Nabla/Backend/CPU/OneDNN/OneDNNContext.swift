import CDNNL
import Synchronization

/// Checks a oneDNN status code and traps with the status name and the failing call when it is not `dnnl_success`.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ call: @autoclosure () -> String,
               file: StaticString = #fileID, line: UInt = #line) {
    if status != dnnl_success {
        fatalError("oneDNN: \(call()) failed with \(dnnlStatusName(status))", file: file, line: line)
    }
}

/// The `dnnl_status_t` case name (the repo's shim does not include `dnnl_debug.h`, so no `dnnl_status2str`).
func dnnlStatusName(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_success: return "dnnl_success"
    case dnnl_out_of_memory: return "dnnl_out_of_memory"
    case dnnl_invalid_arguments: return "dnnl_invalid_arguments"
    case dnnl_unimplemented: return "dnnl_unimplemented"
    case dnnl_iterator_ends: return "dnnl_iterator_ends"
    case dnnl_runtime_error: return "dnnl_runtime_error"
    case dnnl_not_required: return "dnnl_not_required"
    default: return "dnnl_status(\(status.rawValue))"
    }
}

/// Process-wide oneDNN CPU engine, stream and primitive attributes.
///
/// All handles are created once in `init` and never mutated afterwards, so sharing them across threads is safe:
/// oneDNN engines and attributes are read-only after creation, and on the CPU engine (OpenMP runtime) a stream
/// only executes primitives synchronously in the calling thread.
final class OneDNNContext: @unchecked Sendable {
    /// The singleton every oneDNN kernel uses.
    static let shared = OneDNNContext()

    /// The CPU engine (index 0).
    let engine: dnnl_engine_t
    /// The in-order CPU stream primitives execute on.
    let stream: dnnl_stream_t
    /// Attributes with `dnnl_scratchpad_mode_user`: each plan owns its scratchpad, so primitives may run on any
    /// thread (the library-managed scratchpad is tied to the creating thread in default oneDNN builds).
    let userScratchpadAttr: dnnl_primitive_attr_t

    /// Creates the engine, stream and attributes; traps if oneDNN has no CPU engine.
    private init() {
        var engine: dnnl_engine_t?
        dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
        var stream: dnnl_stream_t?
        dnnlCheck(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "dnnl_stream_create")
        self.engine = engine!
        self.stream = stream!
        self.userScratchpadAttr = Self.makeAttributes(postOps: nil)
    }

    /// New primitive attributes with a user-managed scratchpad and, when given, `postOps`; the caller
    /// destroys them (`dnnl_primitive_attr_destroy`) once the primitive descriptors are made.
    static func makeAttributes(postOps: dnnl_post_ops_t?) -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
        if let postOps { dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, postOps), "dnnl_primitive_attr_set_post_ops") }
        return attr!
    }

    /// A matmul primitive descriptor with a user-managed scratchpad and, when `addend` is given, a
    /// binary-add post-op reading it (C = A·B + D).
    static func matmulPrimitiveDesc(_ op: inout dnnl_matmul_desc_t, addend: dnnl_memory_desc_t?) -> dnnl_primitive_desc_t {
        var postOps: dnnl_post_ops_t?
        if var addend {
            dnnlCheck(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create")
            dnnlCheck(dnnl_post_ops_append_binary(postOps, dnnl_binary_add, &addend), "dnnl_post_ops_append_binary")
        }
        defer { if let postOps { dnnl_post_ops_destroy(postOps) } }
        let attributes = makeAttributes(postOps: postOps)
        defer { dnnl_primitive_attr_destroy(attributes) }
        return primitiveDesc(&op, attributes: attributes, "matmul")
    }

    /// A plain (dense, row-major) float32 memory descriptor with the given dims and format tag.
    static func plainDesc(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { dnnl_dim_t($0) }
        dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "dnnl_memory_desc_init_by_tag")
        return md
    }

    /// A float32 descriptor with format `any`, letting the primitive choose its preferred layout.
    static func anyDesc(_ dims: [Int]) -> dnnl_memory_desc_t { plainDesc(dims, dnnl_format_tag_any) }

    /// Creates a primitive descriptor from an op descriptor with user-managed scratchpad; traps on failure.
    static func primitiveDesc<Op>(_ op: inout Op, hint: dnnl_primitive_desc_t? = nil, attributes: dnnl_primitive_attr_t? = nil,
                                  _ what: String) -> dnnl_primitive_desc_t {
        var pd: dnnl_primitive_desc_t?
        dnnlCheck(createPrimitiveDesc(&pd, &op, hint, attributes: attributes), "dnnl_primitive_desc_create(\(what))")
        return pd!
    }

    /// Like `primitiveDesc`, but returns nil when oneDNN has no implementation for the request.
    static func tryPrimitiveDesc<Op>(_ op: inout Op, hint: dnnl_primitive_desc_t? = nil) -> dnnl_primitive_desc_t? {
        var pd: dnnl_primitive_desc_t?
        return createPrimitiveDesc(&pd, &op, hint) == dnnl_success ? pd : nil
    }

    /// Shared body of the two primitive-descriptor constructors.
    private static func createPrimitiveDesc<Op>(_ pd: inout dnnl_primitive_desc_t?, _ op: inout Op,
                                                _ hint: dnnl_primitive_desc_t?, attributes: dnnl_primitive_attr_t? = nil) -> dnnl_status_t {
        let ctx = shared
        return withUnsafePointer(to: &op) {
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer($0), attributes ?? ctx.userScratchpadAttr, ctx.engine, hint)
        }
    }

    /// How many times larger a layout's padded buffer is than its logical tensor (1 for plain layouts; 16 for
    /// a 1-channel tensor in a 16-channel-blocked layout).
    static func paddingRatio(_ md: dnnl_memory_desc_t) -> Double {
        let n = Int(md.ndims)
        guard n > 0 else { return 1 }
        var dims = md.dims, padded = md.padded_dims
        return withUnsafeBytes(of: &dims) { dims in
            withUnsafeBytes(of: &padded) { padded in
                let d = dims.bindMemory(to: dnnl_dim_t.self), p = padded.bindMemory(to: dnnl_dim_t.self)
                var ratio = 1.0
                for i in 0..<n where d[i] > 0 { ratio *= Double(p[i]) / Double(d[i]) }
                return ratio
            }
        }
    }

    /// The memory descriptor a primitive descriptor expects for execution argument `arg` (zero-sized if unused).
    static func queryDesc(_ pd: dnnl_primitive_desc_t, _ arg: Int32) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, arg).pointee
    }
}

/// One memory object a plan step reads or writes, with the descriptor it was created with.
struct OneDNNValue {
    /// The oneDNN memory object.
    let memory: dnnl_memory_t
    /// Its layout.
    let desc: dnnl_memory_desc_t
}

/// A ready-to-run sequence of oneDNN primitives (reorders included) for one geometry.
///
/// Built once per cache key. Execution binds the caller's raw pointers to the plan's "user" memory objects,
/// which mutates them, and uses the plan's private scratchpad and intermediate buffers; both only happen
/// under `lock`, which makes the class safe to share (hence `@unchecked Sendable`).
final class OneDNNPlan: @unchecked Sendable {
    /// One primitive execution with its argument list.
    struct Step {
        /// The primitive to run.
        let primitive: dnnl_primitive_t
        /// `(DNNL_ARG_*, memory)` pairs passed to `dnnl_primitive_execute`.
        let args: [dnnl_exec_arg_t]
    }

    /// Memory objects without a buffer; `execute` points them at the caller's pointers, in order.
    private let userMemories: [dnnl_memory_t]
    /// The steps, run in order.
    private let steps: [Step]
    /// Everything this plan must destroy: primitives, owned memories, primitive descriptors.
    private let primitives: [dnnl_primitive_t], memories: [dnnl_memory_t], descs: [dnnl_primitive_desc_t]
    /// Serialises executions of this plan (user-memory rebinding and shared scratch buffers).
    private let lock = Mutex(())

    /// Takes ownership of the handles collected by a builder.
    fileprivate init(userMemories: [dnnl_memory_t], steps: [Step], primitives: [dnnl_primitive_t],
                     memories: [dnnl_memory_t], descs: [dnnl_primitive_desc_t]) {
        self.userMemories = userMemories
        self.steps = steps
        self.primitives = primitives
        self.memories = memories
        self.descs = descs
    }

    /// Destroys every oneDNN object the plan owns.
    deinit {
        for p in primitives { dnnl_primitive_destroy(p) }
        for m in memories { dnnl_memory_destroy(m) }
        for d in descs { dnnl_primitive_desc_destroy(d) }
    }

    /// Runs every step with the user memories bound to `handles` (same order as `OneDNNPlanBuilder.user`).
    func execute(_ handles: [UnsafeMutableRawPointer]) {
        precondition(handles.count == userMemories.count, "oneDNN plan expects \(userMemories.count) buffers")
        let stream = OneDNNContext.shared.stream
        lock.withLock { _ in
            for (m, h) in zip(userMemories, handles) {
                dnnlCheck(dnnl_memory_set_data_handle(m, h), "dnnl_memory_set_data_handle")
            }
            for step in steps {
                step.args.withUnsafeBufferPointer { args in
                    dnnlCheck(dnnl_primitive_execute(step.primitive, stream, Int32(args.count), args.baseAddress),
                              "dnnl_primitive_execute")
                }
            }
            dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
        }
    }
}

/// Collects primitives, reorders and buffers into a `OneDNNPlan`; used once, inside a cache miss.
struct OneDNNPlanBuilder {
    /// The user slots, in the order `execute` binds pointers.
    private var userMemories: [dnnl_memory_t] = []
    /// Steps accumulated so far (the scratchpad argument is appended in `build`).
    private var steps: [(primitive: dnnl_primitive_t, args: [dnnl_exec_arg_t], needsScratchpad: Bool)] = []
    /// Owned handles.
    private var primitives: [dnnl_primitive_t] = [], memories: [dnnl_memory_t] = [], descs: [dnnl_primitive_desc_t] = []
    /// Largest scratchpad any step needs. One buffer serves all steps since they run one after another; oneDNN
    /// 2.6 only reads the scratchpad's handle, so a larger descriptor than a step asked for is fine.
    private var scratchpadDesc: dnnl_memory_desc_t?, scratchpadBytes = 0

    /// Creates an empty builder.
    init() {}

    /// Adds a caller-provided buffer with a plain layout; `execute` binds its pointers in creation order.
    mutating func user(_ desc: dnnl_memory_desc_t) -> OneDNNValue {
        let m = makeMemory(desc, handle: nil)
        userMemories.append(m)
        return OneDNNValue(memory: m, desc: desc)
    }

    /// Adds a plan-owned buffer with the given layout (intermediates, workspaces).
    mutating func buffer(_ desc: dnnl_memory_desc_t) -> OneDNNValue {
        // DNNL_MEMORY_ALLOCATE is `(void *)(size_t)-1`, a macro Swift does not import.
        OneDNNValue(memory: makeMemory(desc, handle: UnsafeMutableRawPointer(bitPattern: -1)), desc: desc)
    }

    /// Hands a primitive descriptor to the builder, which destroys it with the plan (keep hints alive while building).
    mutating func own(_ pd: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        descs.append(pd)
        return pd
    }

    /// Appends `pd`'s primitive. Inputs and outputs whose layout differs from what `pd` chose get an owned
    /// buffer in the chosen layout plus a reorder before (inputs) or after (outputs) the primitive.
    mutating func append(_ pd: dnnl_primitive_desc_t, inputs: [(Int32, OneDNNValue)], outputs: [(Int32, OneDNNValue)]) {
        var args: [dnnl_exec_arg_t] = []
        var postReorders: [(OneDNNValue, OneDNNValue)] = []
        for (arg, value) in inputs {
            let want = OneDNNContext.queryDesc(pd, arg)
            if sameLayout(value.desc, want) {
                args.append(dnnl_exec_arg_t(arg: arg, memory: value.memory))
            } else {
                let staged = buffer(want)
                appendReorder(from: value, to: staged)
                args.append(dnnl_exec_arg_t(arg: arg, memory: staged.memory))
            }
        }
        for (arg, value) in outputs {
            let want = OneDNNContext.queryDesc(pd, arg)
            if sameLayout(value.desc, want) {
                args.append(dnnl_exec_arg_t(arg: arg, memory: value.memory))
            } else {
                let staged = buffer(want)
                postReorders.append((staged, value))
                args.append(dnnl_exec_arg_t(arg: arg, memory: staged.memory))
            }
        }
        appendPrimitive(own(pd), args: args)
        for (src, dst) in postReorders { appendReorder(from: src, to: dst) }
    }

    /// Appends a reorder copying `source` into `target`'s layout (packing weights once for many products).
    mutating func reorder(from source: OneDNNValue, to target: OneDNNValue) {
        appendReorder(from: source, to: target)
    }

    /// Finishes the plan: allocates the shared scratchpad and binds it to every step that needs one.
    consuming func build() -> OneDNNPlan {
        var scratch: dnnl_memory_t?
        if let desc = scratchpadDesc { scratch = buffer(desc).memory }
        let finalSteps = steps.map { step in
            var args = step.args
            if step.needsScratchpad, let scratch { args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: scratch)) }
            return OneDNNPlan.Step(primitive: step.primitive, args: args)
        }
        return OneDNNPlan(userMemories: userMemories, steps: finalSteps, primitives: primitives,
                          memories: memories, descs: descs)
    }

    /// Whether two descriptors describe the same layout.
    private func sameLayout(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var a = a, b = b
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// Creates a memory object; `handle` nil means no buffer yet (DNNL_MEMORY_NONE).
    private mutating func makeMemory(_ desc: dnnl_memory_desc_t, handle: UnsafeMutableRawPointer?) -> dnnl_memory_t {
        var desc = desc
        var m: dnnl_memory_t?
        dnnlCheck(dnnl_memory_create(&m, &desc, OneDNNContext.shared.engine, handle), "dnnl_memory_create")
        memories.append(m!)
        return m!
    }

    /// Appends a reorder step copying `src` into `dst`'s layout.
    private mutating func appendReorder(from src: OneDNNValue, to dst: OneDNNValue) {
        let ctx = OneDNNContext.shared
        var s = src.desc, d = dst.desc
        var pd: dnnl_primitive_desc_t?
        dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &s, ctx.engine, &d, ctx.engine, ctx.userScratchpadAttr),
                  "dnnl_reorder_primitive_desc_create")
        appendPrimitive(own(pd!), args: [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: src.memory),
                                         dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: dst.memory)])
    }

    /// Creates the primitive for an owned descriptor and records its scratchpad needs.
    private mutating func appendPrimitive(_ pd: dnnl_primitive_desc_t, args: [dnnl_exec_arg_t]) {
        var p: dnnl_primitive_t?
        dnnlCheck(dnnl_primitive_create(&p, pd), "dnnl_primitive_create")
        primitives.append(p!)
        var scratch = OneDNNContext.queryDesc(pd, DNNL_ARG_SCRATCHPAD)
        let bytes = dnnl_memory_desc_get_size(&scratch)
        if bytes > scratchpadBytes {
            scratchpadBytes = bytes
            scratchpadDesc = scratch
        }
        steps.append((p!, args, bytes > 0))
    }
}

/// A thread-safe map from a geometry key to its plan (or another prepared oneDNN object, such as a
/// `OneDNNPackedMatmul`); a miss builds it under the lock, so each key is built exactly once and later
/// calls with the same shape re-create nothing.
final class OneDNNCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The values built so far.
    private let plans = Mutex<[Key: Value]>([:])

    /// Creates an empty cache.
    init() {}

    /// The value for `key`, building it with `make` on first use.
    func plan(for key: Key, make: () -> Value) -> Value {
        plans.withLock { plans in
            if let plan = plans[key] { return plan }
            let plan = make()
            plans[key] = plan
            return plan
        }
    }

    /// Number of cached values (for tests and diagnostics).
    var count: Int { plans.withLock { $0.count } }

    /// Drops every plan; their oneDNN objects are freed once no execution holds them.
    func removeAll() { plans.withLock { $0.removeAll() } }
}

/// The cache of plans that convolution and pooling keep per geometry.
typealias OneDNNPlanCache<Key: Hashable & Sendable> = OneDNNCache<Key, OneDNNPlan>
