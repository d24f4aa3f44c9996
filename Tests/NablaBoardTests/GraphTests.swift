import Foundation
import XCTest
import Nabla
import NablaGraph
import NablaNN
import NablaTestSupport
@testable import NablaBoard

/// `SummaryWriter.addGraph`: the GraphDef encoding, and TensorBoard's own reader on the written file.
final class GraphTests: XCTestCase {
    private func mlpGraph() throws -> Graph {
        let model = Sequential(Flatten(), Linear(12, 8), ReLU(), Linear(8, 3))
        model.eval()
        return try withNoGrad { try Graph.trace([Tensor.randn([2, 3, 4], seed: 1)], pipeline: nil) { [softmax(model($0[0]), axis: 1)] } }
    }

    func testGraphDefLayout() throws {
        let graph = try mlpGraph()
        let def = GraphDef(graph, scope: "model")
        XCTAssertEqual(def.nodes.count, graph.inputs.count + graph.nodes.count + graph.outputs.count)
        XCTAssertEqual(def.nodes.first?.name, "input/input_0")
        XCTAssertEqual(def.nodes.first?.op, "IO Node")
        XCTAssertEqual(def.nodes.first?.attributes["_output_shapes"], .shapes([TensorShapeProto([2, 3, 4])]))
        XCTAssertEqual(def.nodes.first?.attributes["dtype"], .type(1))
        XCTAssertEqual(def.nodes.last?.name, "output/output_0")
        XCTAssertEqual(def.nodes.last?.attributes["_output_shapes"], .shapes([TensorShapeProto([2, 3])]))
        let matmuls = def.nodes.filter { $0.op == "matmul" }
        XCTAssertEqual(matmuls.count, 2)
        XCTAssertTrue(matmuls.allSatisfy { $0.name.hasPrefix("model/matmul_") && $0.inputs.count == 2 && $0.device == "/device:CPU:0" })
        // Every input names an earlier node.
        var seen = Set<String>()
        for node in def.nodes {
            for input in node.inputs { XCTAssertTrue(seen.contains(input), "\(node.name) reads \(input) before it is defined") }
            seen.insert(node.name)
        }

        // Wire format: GraphDef {node = 1 …, versions = 4 {producer = 1}}; NodeDef {name 1, op 2, input 3, device 4, attr 5}.
        let fields = try ProtobufFields.parse(def.serializedBytes())
        XCTAssertEqual(fields.filter { $0.0 == 1 }.count, def.nodes.count)
        XCTAssertEqual(fields.last?.0, 4)
        XCTAssertEqual(try ProtobufFields.parse(fields.last!.1.bytesValue!).first?.1, .varint(22))
        let node = try ProtobufFields.parse(fields[0].1.bytesValue!)
        XCTAssertEqual(node.map(\.0), [1, 2, 4, 5, 5], "the input node: name, op, device and two attributes")
        // The attr map entry {key = 1, value = 2}, sorted by key: _output_shapes, dtype.
        let entry = try ProtobufFields.parse(node[3].1.bytesValue!)
        XCTAssertEqual(entry[0].1.bytesValue.map { String(decoding: $0, as: UTF8.self) }, "_output_shapes")
        // AttrValue {list = 1 {shape = 7 {dim = 2 {size = 1}}}}.
        let list = try ProtobufFields.parse(try ProtobufFields.parse(entry[1].1.bytesValue!)[0].1.bytesValue!)
        XCTAssertEqual(list.map(\.0), [7])
        let operation = try ProtobufFields.parse(fields[2].1.bytesValue!)
        XCTAssertEqual(operation.map(\.0), [1, 2] + Array(repeating: 3, count: def.nodes[2].inputs.count) + [4, 5, 5, 5],
                       "an operation: name, op, inputs, device, three attributes")
    }

    func testMultipleOutputsAreReferencedByIndex() throws {
        let graph = try Graph.trace([Tensor.randn([3, 5], seed: 2)], pipeline: nil) { inputs in
            let (values, indices) = inputs[0].sorted(axis: 1)
            return [values, indices]
        }
        let def = GraphDef(graph)
        let sort = try XCTUnwrap(def.nodes.first { $0.op == "sort" })
        XCTAssertEqual(sort.attributes["_output_shapes"], .shapes([TensorShapeProto([3, 5]), TensorShapeProto([3, 5])]))
        XCTAssertEqual(def.nodes.suffix(2).map(\.inputs), [[sort.name], [sort.name + ":1"]])
    }

    private static let readerScript = #"""
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1])
ea.Reload()
g = ea.Graph()
nodes = []
for n in g.node:
    shapes = [[d.size for d in s.dim] for s in n.attr["_output_shapes"].list.shape]
    nodes.append({"name": n.name, "op": n.op, "input": list(n.input), "device": n.device, "shapes": shapes,
                  "dtype": n.attr["dtype"].type, "description": n.attr["description"].s.decode()})
print(json.dumps({"graph_tag": ea.Tags()["graph"], "producer": g.versions.producer, "nodes": nodes}))
"""#

    func testTensorBoardReadsTheGraph() throws {
        guard PythonRunner.canImport("tensorboard") else {
            let message = "SKIP: \(PythonRunner.interpreter) cannot import `tensorboard`; run scripts/install-python-tools.sh to enable the graph interop test"
            print(message)
            throw XCTSkip(message)
        }
        let run = try makeBoardTemporaryDirectory(self).appendingPathComponent("graph")
        let writer = try SummaryWriter(logDir: run)
        let graph = try mlpGraph()
        try writer.addGraph(graph, name: "model")
        try writer.addScalar("loss", 1, step: 0)
        try writer.close()

        let (status, stdout, stderr) = try PythonRunner.run(Self.readerScript, [run.path])
        XCTAssertEqual(status, 0, "TensorBoard's reader failed: \(stderr)")
        let out = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], stdout)
        XCTAssertEqual(out["graph_tag"] as? Bool, true)
        XCTAssertEqual(out["producer"] as? Int, 22)
        let nodes = try XCTUnwrap(out["nodes"] as? [[String: Any]])
        let expected = GraphDef(graph, scope: "model").nodes
        XCTAssertEqual(nodes.count, expected.count)
        XCTAssertEqual(nodes.compactMap { $0["name"] as? String }, expected.map(\.name))
        XCTAssertEqual(nodes.compactMap { $0["op"] as? String }, expected.map(\.op))
        XCTAssertEqual(nodes.compactMap { $0["input"] as? [String] }, expected.map(\.inputs))
        XCTAssertEqual(nodes.compactMap { $0["device"] as? String }, expected.map(\.device))
        for (node, def) in zip(nodes, expected) {
            guard case let .shapes(shapes)? = def.attributes["_output_shapes"] else { return XCTFail("\(def.name) has no shapes") }
            XCTAssertEqual(node["shapes"] as? [[Int]], shapes.map { $0.dimensions.map(Int.init) }, def.name)
            XCTAssertEqual(node["dtype"] as? Int, 1, def.name)
        }
        XCTAssertTrue(nodes.contains { ($0["description"] as? String)?.hasPrefix("reshape(") == true }, "\(nodes)")
        XCTAssertEqual(Set(nodes.compactMap { $0["op"] as? String }).isSuperset(of: ["IO Node", "Const", "matmul", "add", "relu", "exp"]), true,
                       "\(Set(nodes.compactMap { $0["op"] as? String }))")
    }

    func testTracingConvenienceWritesAGraphEvent() throws {
        let run = try makeBoardTemporaryDirectory(self).appendingPathComponent("traced")
        let writer = try SummaryWriter(logDir: run)
        let model = Sequential(Linear(4, 2))
        try writer.addGraph(tracing: [Tensor.randn([1, 4], seed: 3)], name: "net") { [model($0[0])] }
        XCTAssertThrowsError(try writer.addGraph(tracing: [Tensor.randn([1, 4], seed: 3)]) { [$0[0] + Tensor.randn([1, 4])] })
        try writer.close()
        let data = try Data(contentsOf: writer.fileURL)
        // The graph event's GraphDef bytes hold the scoped matmul node.
        XCTAssertNotNil(data.range(of: Data("net/matmul_".utf8)))
    }
}
