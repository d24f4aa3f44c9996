import Foundation
import Nabla
import NablaGraph

/// The ai.onnx operators for each primitive. Operands are cast to the dtype the primitive computes
/// in (Nabla promotes mixed operands inside its kernels; ONNX operators want matching types).
extension ONNXGraphBuilder {
    /// Emits the nodes computing `primitive` from `inputs` into `outputs`.
    mutating func emit(_ primitive: Primitive, inputs x: [String], inputTypes t: [ValueType],
                       outputs y: [String], outputTypes u: [ValueType]) throws {
        let out = y[0], dtype = u[0].dtype
        switch primitive {
        case let .unary(op):
            emitUnary(op, x[0], t[0].dtype, out, dtype)
        case let .binary(op):
            emitBinary(op, x[0], t[0].dtype, x[1], t[1].dtype, out, dtype)
        case .select:
            let condition = converted(x[0], from: t[0].dtype, to: .bool)
            node("Where", [condition, converted(x[1], from: t[1].dtype, to: dtype), converted(x[2], from: t[2].dtype, to: dtype)], outputs: [out])
        case let .reduce(op, axes, keepDims):
            let input = converted(x[0], from: t[0].dtype, to: dtype)
            guard !axes.isEmpty else { node("Identity", [input], outputs: [out]); return }
            emitReduce(op, input, axes: axes, keepDims: keepDims, out)
        case let .argReduce(op, axis, keepDims):
            let indices = node(op == .argmax ? "ArgMax" : "ArgMin", [x[0]], base: out + "_i64",
                               [.int("axis", Int64(axis)), .int("keepdims", keepDims ? 1 : 0), .int("select_last_index", 0)])
            node("Identity", [converted(indices, from: .int64, to: dtype)], outputs: [out])
        case let .cumsum(axis):
            let input = converted(x[0], from: t[0].dtype, to: dtype)
            node("CumSum", [input, int64s([Int64(axis)], base: out + "_axis", scalar: true)], outputs: [out])
        case .matmul:
            node("MatMul", [converted(x[0], from: t[0].dtype, to: dtype), converted(x[1], from: t[1].dtype, to: dtype)], outputs: [out])
        case let .cast(target):
            node("Cast", [x[0]], outputs: [out], [.int("to", Int64(Onnx_TensorProto.dataType(for: target)))])
        case .contiguous:
            node("Identity", [x[0]], outputs: [out])
        case let .reshape(shape):
            // A 0 in the target shape means "copy that dimension" unless allowzero is set (opset 14+).
            let attributes: [Onnx_AttributeProto] = shape.contains(0) && opset >= 14 ? [.int("allowzero", 1)] : []
            node("Reshape", [x[0], int64s(shape.map(Int64.init), base: out + "_shape")], outputs: [out], attributes)
        case let .permute(order):
            node("Transpose", [x[0]], outputs: [out], [.ints("perm", order)])
        case let .expand(shape):
            node("Expand", [x[0], int64s(shape.map(Int64.init), base: out + "_shape")], outputs: [out])
        case let .slice(axis, start, end, step):
            node("Slice", [x[0], int64s([Int64(start)], base: out + "_starts"), int64s([Int64(end)], base: out + "_ends"),
                           int64s([Int64(axis)], base: out + "_axes"), int64s([Int64(step)], base: out + "_steps")], outputs: [out])
        case let .pad(before, after, mode, value):
            let pads = int64s((before + after).map(Int64.init), base: out + "_pads")
            if mode == .constant {
                node("Pad", [x[0], pads, scalar(value, dtype: t[0].dtype, base: out + "_value")], outputs: [out], [.string("mode", "constant")])
            } else {
                node("Pad", [x[0], pads], outputs: [out], [.string("mode", "reflect")])
            }
        case let .flip(axes):
            guard !axes.isEmpty else { node("Identity", [x[0]], outputs: [out]); return }
            // Reversal is a slice from the last element to before the first with step -1.
            let n = axes.count
            node("Slice", [x[0], int64s(Array(repeating: -1, count: n), base: out + "_starts"),
                           int64s(Array(repeating: Int64.min, count: n), base: out + "_ends"),
                           int64s(axes.map(Int64.init), base: out + "_axes"), int64s(Array(repeating: -1, count: n), base: out + "_steps")],
                 outputs: [out])
        case let .concat(axis):
            node("Concat", zip(x, t).map { converted($0, from: $1.dtype, to: dtype) }, outputs: [out], [.int("axis", Int64(axis))])
        case let .gather(axis):
            node("GatherElements", [x[0], indexOperand(x[1], t[1].dtype)], outputs: [out], [.int("axis", Int64(axis))])
        case let .scatter(axis, accumulate):
            var attributes: [Onnx_AttributeProto] = [.int("axis", Int64(axis))]
            if accumulate {
                guard opset >= 16 else { throw ONNXExportError.opsetTooOld(primitive: primitive.description, needs: 16, requested: opset) }
                attributes.append(.string("reduction", "add"))
            }
            node("ScatterElements", [converted(x[0], from: t[0].dtype, to: dtype), indexOperand(x[1], t[1].dtype),
                                     converted(x[2], from: t[2].dtype, to: dtype)], outputs: [out], attributes)
        case let .sort(axis, descending):
            // A full-length TopK is a sort; ascending order is `largest = 0`.
            let rank = t[0].shape.count
            let size = t[0].shape.isEmpty ? 1 : t[0].shape[(axis % max(rank, 1) + max(rank, 1)) % max(rank, 1)]
            let indices = fresh(y[1] + "_i64")
            node("TopK", [converted(x[0], from: t[0].dtype, to: dtype), int64s([Int64(size)], base: out + "_k")], outputs: [out, indices],
                 [.int("axis", Int64(axis)), .int("largest", descending ? 1 : 0), .int("sorted", 1)])
            node("Identity", [converted(indices, from: .int64, to: u[1].dtype)], outputs: [y[1]])
        case let .conv2d(a):
            let kernel = t[1].shape.count == 4 ? [t[1].shape[2], t[1].shape[3]] : []
            var attributes: [Onnx_AttributeProto] = [.ints("dilations", [a.dilationH, a.dilationW]), .int("group", Int64(a.groups))]
            if !kernel.isEmpty { attributes.append(.ints("kernel_shape", kernel)) }
            attributes += [.ints("pads", [a.padH, a.padW, a.padH, a.padW]), .ints("strides", [a.strideH, a.strideW])]
            node("Conv", zip(x, t).map { converted($0, from: $1.dtype, to: dtype) }, outputs: [out], attributes)
        case let .maxPool2d(a):
            node("MaxPool", [x[0]], outputs: [out], [.ints("kernel_shape", [a.kernelH, a.kernelW]),
                                                    .ints("pads", [a.padH, a.padW, a.padH, a.padW]), .ints("strides", [a.strideH, a.strideW])])
        case let .avgPool2d(a):
            node("AveragePool", [x[0]], outputs: [out], [.int("count_include_pad", a.countIncludePad ? 1 : 0),
                                                        .ints("kernel_shape", [a.kernelH, a.kernelW]),
                                                        .ints("pads", [a.padH, a.padW, a.padH, a.padW]), .ints("strides", [a.strideH, a.strideW])])
        case let .attention(scale, causal):
            emitAttention(x, t, y, u, scale: scale, causal: causal)
        case .softmax:
            _ = emitSafeSoftmax(x[0], rank: t[0].shape.count, dtype: dtype, base: out, into: out)
        case let .layerNorm(eps):
            emitLayerNorm(x, t, out, eps: eps)
        default:
            // conv2dBackwardData/Weight, maxPool2dBackward, avgPool2dBackward, the fused kernels' backward primitives, and anything newer.
            throw ONNXExportError.unsupportedPrimitive(primitive.description,
                                                       reason: "gradient and random primitives have no ONNX operator; export an inference graph (trace the forward under withNoGrad)")
        }
    }

    /// `op` over `axes` of `input` into `out`.
    mutating func emitReduce(_ op: ReduceOp, _ input: String, axes: [Int], keepDims: Bool, _ out: String) {
        let name: String
        switch op {
        case .sum: name = "ReduceSum"
        case .prod: name = "ReduceProd"
        case .max: name = "ReduceMax"
        case .min: name = "ReduceMin"
        }
        // ReduceSum takes axes as an input from opset 13, the other reductions from opset 18.
        let axesAsInput = op == .sum ? opset >= 13 : opset >= 18
        var attributes: [Onnx_AttributeProto] = [.int("keepdims", keepDims ? 1 : 0)]
        if axesAsInput {
            node(name, [input, int64s(axes.map(Int64.init), base: out + "_axes")], outputs: [out], attributes)
        } else {
            attributes.insert(.ints("axes", axes), at: 0)
            node(name, [input], outputs: [out], attributes)
        }
    }

    /// An index operand as int64 unless it already is int32 or int64 (what Gather/ScatterElements take).
    private mutating func indexOperand(_ name: String, _ dtype: DType) -> String {
        dtype == .int32 || dtype == .int64 ? name : converted(name, from: dtype, to: .int64)
    }

    /// One elementwise unary primitive.
    mutating func emitUnary(_ op: UnaryOp, _ x: String, _ inType: DType, _ out: String, _ outType: DType) {
        switch op {
        case .isnan:
            if inType.isFloatingPoint { node("IsNaN", [x], outputs: [out]) } else {
                node("Not", [node("Equal", [x, x], base: out + "_eq")], outputs: [out])
            }
            return
        case .isfinite:
            if inType.isFloatingPoint {
                let special = node("Or", [node("IsNaN", [x], base: out + "_nan"), node("IsInf", [x], base: out + "_inf")], base: out + "_special")
                node("Not", [special], outputs: [out])
            } else {
                node("Equal", [x, x], outputs: [out])
            }
            return
        case .logicalNot:
            node("Not", [converted(x, from: inType, to: .bool)], outputs: [out])
            return
        default: break
        }
        let a = converted(x, from: inType, to: outType)
        switch op {
        case .neg: node("Neg", [a], outputs: [out])
        case .abs: node("Abs", [a], outputs: [out])
        case .sign: node("Sign", [a], outputs: [out])
        case .exp: node("Exp", [a], outputs: [out])
        case .log: node("Log", [a], outputs: [out])
        case .log1p: node("Log", [node("Add", [a, scalar(1, dtype: outType, base: out + "_one")], base: out + "_plus1")], outputs: [out])
        case .expm1: node("Sub", [node("Exp", [a], base: out + "_exp"), scalar(1, dtype: outType, base: out + "_one")], outputs: [out])
        case .sqrt: node("Sqrt", [a], outputs: [out])
        case .rsqrt: node("Reciprocal", [node("Sqrt", [a], base: out + "_sqrt")], outputs: [out])
        case .sin: node("Sin", [a], outputs: [out])
        case .cos: node("Cos", [a], outputs: [out])
        case .tanh: node("Tanh", [a], outputs: [out])
        case .sigmoid: node("Sigmoid", [a], outputs: [out])
        case .relu: node("Relu", [a], outputs: [out])
        case .erf: node("Erf", [a], outputs: [out])
        // Rounding is the identity on integers (and ONNX's Floor/Ceil/Round take only floats).
        case .floor: node(outType.isFloatingPoint ? "Floor" : "Identity", [a], outputs: [out])
        case .ceil: node(outType.isFloatingPoint ? "Ceil" : "Identity", [a], outputs: [out])
        case .round: node(outType.isFloatingPoint ? "Round" : "Identity", [a], outputs: [out])
        case .isnan, .isfinite, .logicalNot: break
        }
    }

    /// One elementwise binary primitive.
    mutating func emitBinary(_ op: BinaryOp, _ a: String, _ aType: DType, _ b: String, _ bType: DType, _ out: String, _ outType: DType) {
        let operand: DType
        switch op {
        case .logicalAnd, .logicalOr: operand = .bool
        case .eq, .ne, .lt, .le, .gt, .ge: operand = DType.promote(aType, bType)
        default: operand = outType
        }
        let l = converted(a, from: aType, to: operand), r = converted(b, from: bType, to: operand)
        switch op {
        case .add: node("Add", [l, r], outputs: [out])
        case .sub: node("Sub", [l, r], outputs: [out])
        case .mul: node("Mul", [l, r], outputs: [out])
        case .div: node("Div", [l, r], outputs: [out])
        case .pow: node("Pow", [l, r], outputs: [out])
        case .minimum: node("Min", [l, r], outputs: [out])
        case .maximum: node("Max", [l, r], outputs: [out])
        case .reluGrad:
            // a where b > 0, else 0 (PyTorch's threshold_backward).
            let zero = scalar(0, dtype: operand, base: out + "_zero")
            node("Where", [node("Greater", [r, zero], base: out + "_positive"), l, zero], outputs: [out])
        case .eq: node("Equal", [l, r], outputs: [out])
        case .ne: node("Not", [node("Equal", [l, r], base: out + "_eq")], outputs: [out])
        case .lt: node("Less", [l, r], outputs: [out])
        case .le: node("LessOrEqual", [l, r], outputs: [out])
        case .gt: node("Greater", [l, r], outputs: [out])
        case .ge: node("GreaterOrEqual", [l, r], outputs: [out])
        case .logicalAnd: node("And", [l, r], outputs: [out])
        case .logicalOr: node("Or", [l, r], outputs: [out])
        }
    }
}
