import Foundation
import Nabla
import NablaONNX

/// Builders for small models made with the generated protobuf types.
enum TestModels {
    static func value(_ name: String, elemType: Int32 = 1, shape: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = elemType
        t.shape.dim = shape.map { d in var dim = Onnx_TensorShapeProto.Dimension(); dim.dimValue = Int64(d); return dim }
        v.type.tensorType = t
        return v
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "",
                     attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op; n.input = inputs; n.output = outputs; n.name = name.isEmpty ? "\(op)_\(outputs.first ?? "")" : name
        n.attribute = attributes
        return n
    }

    static func intAttribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(value); return a
    }

    static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                      initializers: [Onnx_TensorProto] = [], opset: Int64 = 17) -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto(); o.version = opset
        m.opsetImport = [o]
        m.graph.name = "test"
        m.graph.node = nodes
        m.graph.input = inputs
        m.graph.output = outputs
        m.graph.initializer = initializers
        return m
    }

    /// y = relu(x · Wᵀ + b) via Gemm(transB) and Relu, with W [3, 4] and b [3].
    static func linearRelu(weight: Tensor, bias: Tensor) -> Onnx_ModelProto {
        model(nodes: [node("Gemm", ["x", "W", "b"], ["h"], attributes: [intAttribute("transB", 1)]),
                      node("Relu", ["h"], ["y"])],
              inputs: [value("x", shape: [2, 4])], outputs: [value("y", shape: [2, 3])],
              initializers: [Onnx_TensorProto(weight, name: "W"), Onnx_TensorProto(bias, name: "b")])
    }
}
