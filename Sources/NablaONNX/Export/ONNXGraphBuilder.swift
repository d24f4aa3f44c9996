import Foundation
import Nabla
import NablaGraph

/// Accumulates the nodes and initializers of an exported ONNX graph, handing out fresh value names.
struct ONNXGraphBuilder {
    /// The default-domain opset being targeted.
    let opset: Int
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var used: Set<String>
    private var counter = 0

    init(opset: Int, reservedNames: Set<String>) {
        self.opset = opset
        used = reservedNames
    }

    /// A name not used before, derived from `base` (`v12_1`, `v12_2`, …).
    mutating func fresh(_ base: String) -> String {
        repeat { counter += 1 } while used.contains("\(base)_\(counter)")
        let name = "\(base)_\(counter)"
        used.insert(name)
        return name
    }

    /// Appends a node `op(inputs) -> outputs` and returns `outputs`.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], outputs: [String], _ attributes: [Onnx_AttributeProto] = []) -> [String] {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = outputs
        node.name = "\(op)_\(nodes.count)"
        node.attribute = attributes
        nodes.append(node)
        return outputs
    }

    /// Appends a one-output node writing to a fresh name derived from `base`.
    mutating func node(_ op: String, _ inputs: [String], base: String, _ attributes: [Onnx_AttributeProto] = []) -> String {
        let output = fresh(base)
        node(op, inputs, outputs: [output], attributes)
        return output
    }

    /// Adds `tensor` as an initializer called `name`.
    mutating func initializer(_ tensor: Tensor, name: String) {
        used.insert(name)
        initializers.append(Onnx_TensorProto(tensor, name: name))
    }

    /// A fresh int64 initializer holding `values` (rank 1, or rank 0 when `scalar`).
    mutating func int64s(_ values: [Int64], base: String, scalar: Bool = false) -> String {
        let name = fresh(base)
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dataType = Onnx_TensorProto.dataType(for: .int64)
        proto.dims = scalar ? [] : [Int64(values.count)]
        proto.int64Data = values
        initializers.append(proto)
        return name
    }

    /// A fresh scalar initializer of `dtype` holding `value`.
    mutating func scalar(_ value: Double, dtype: DType, base: String) -> String {
        let name = fresh(base)
        initializers.append(Onnx_TensorProto(Tensor(shape: [], scalars: [value]).cast(to: dtype), name: name))
        return name
    }

    /// `value` converted from `from` to `to` (a `Cast` node, or `value` itself when they agree).
    mutating func converted(_ value: String, from: DType, to: DType) -> String {
        guard from != to else { return value }
        return node("Cast", [value], base: value + "_cast", [.int("to", Int64(Onnx_TensorProto.dataType(for: to)))])
    }
}

extension Onnx_AttributeProto {
    /// An INT attribute.
    static func int(_ name: String, _ value: Int64) -> Onnx_AttributeProto { attribute(name, .int) { $0.i = value } }

    /// A FLOAT attribute.
    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto { attribute(name, .float) { $0.f = value } }

    /// An INTS attribute.
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto { attribute(name, .ints) { $0.ints = values.map(Int64.init) } }

    /// A STRING attribute (UTF-8).
    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto { attribute(name, .string) { $0.s = Data(value.utf8) } }

    /// An attribute called `name` of `type`, its value set by `fill`.
    private static func attribute(_ name: String, _ type: AttributeType, _ fill: (inout Onnx_AttributeProto) -> Void) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = type
        fill(&a)
        return a
    }
}

extension Onnx_ValueInfoProto {
    /// A tensor value of `type` called `name`.
    init(name: String, type: ValueType) {
        self.init()
        self.name = name
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Onnx_TensorProto.dataType(for: type.dtype)
        var shape = Onnx_TensorShapeProto()
        shape.dim = type.shape.map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(size)
            return dim
        }
        tensor.shape = shape
        var typeProto = Onnx_TypeProto()
        typeProto.tensorType = tensor
        self.type = typeProto
    }
}
