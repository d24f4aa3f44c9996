import Foundation
import XCTest
import Nabla
import NablaNN
import NablaCheckpoint
import NablaTestSupport

/// Interop with Hugging Face's Python `safetensors` (the reference implementation, in Rust): files
/// Nabla writes load there bit-exactly, and files it writes load here. Skipped, with a "SKIP:" line,
/// when python3 or the package is missing (`scripts/install-python-tools.sh` installs it). Python runs
/// through `PythonRunner` (NablaTestSupport), which honours `$PYTHON`.
final class PythonInteropTests: XCTestCase {
    /// Skips (printing "SKIP: …") unless python3 can import safetensors and numpy.
    private func requireSafetensors() throws {
        let status = (try? PythonRunner.run("import safetensors.numpy, numpy"))?.0 ?? -1
        if status != 0 {
            let message = "SKIP: python3 with the `safetensors` and `numpy` packages is not available; "
                + "run scripts/install-python-tools.sh to enable the Python interop tests"
            print(message)
            throw XCTSkip(message)
        }
    }

    func testPythonReadsNablaFilesBitExactly() throws {
        try requireSafetensors()
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("from-nabla.safetensors")
        let bf16URL = dir.appendingPathComponent("bf16.safetensors")
        // numpy has no bfloat16: that tensor goes in its own file, checked from the raw header and bytes.
        let tensors = tensorsOfEveryDType().filter { $0.1.dtype != .bfloat16 }
        let bf16 = tensorsOfEveryDType().filter { $0.1.dtype == .bfloat16 }
        try SafeTensors.write(tensors, metadata: ["format": "nabla-test", "ünïcode": "✓"], to: url)
        try SafeTensors.write(bf16 + [("pad", Tensor.ones([3], dtype: .uint8))], to: bf16URL)
        let script = #"""
import json, struct, sys
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file
path, bf16_path = sys.argv[1], sys.argv[2]
out = {"tensors": {}}
for k, a in load_file(path).items():
    out["tensors"][k] = {"dtype": str(a.dtype), "shape": list(a.shape), "hex": np.ascontiguousarray(a).tobytes().hex()}
with safe_open(path, framework="np") as f:
    out["metadata"] = f.metadata()
with open(bf16_path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    buffer = f.read()
bf = header["bfloat16"]
begin, end = bf["data_offsets"]
out["tensors"]["bfloat16"] = {"dtype": bf["dtype"], "shape": bf["shape"], "hex": buffer[begin:end].hex()}
print(json.dumps(out))
"""#
        let (status, stdout, stderr) = try PythonRunner.run(script, [url.path, bf16URL.path])
        XCTAssertEqual(status, 0, "python failed: \(stderr)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["metadata"] as? [String: String], ["format": "nabla-test", "ünïcode": "✓"])
        let found = try XCTUnwrap(json["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(Set(found.keys), Set((tensors + bf16).map(\.0)))
        let numpyNames: [DType: String] = [.bool: "bool", .uint8: "uint8", .int8: "int8", .int32: "int32", .int64: "int64",
                                           .float16: "float16", .bfloat16: "BF16", .float32: "float32", .float64: "float64"]
        for (name, t) in tensors + bf16 {
            let entry = try XCTUnwrap(found[name], name)
            XCTAssertEqual(entry["dtype"] as? String, numpyNames[t.dtype], name)
            XCTAssertEqual(entry["shape"] as? [Int], t.shape, name)
            XCTAssertEqual(entry["hex"] as? String, rawBytes(t).map { String(format: "%02x", $0) }.joined(), "\(name) bytes")
        }
    }

    func testPyTorchLoadsANablaCheckpointIntoItsModel() throws {
        try requireSafetensors()
        guard (try? PythonRunner.run("import torch, safetensors.torch"))?.0 == 0 else {
            let message = "SKIP: python3 cannot import torch; the PyTorch load_state_dict interop test is skipped"
            print(message)
            throw XCTSkip(message)
        }
        let url = try makeTemporaryDirectory(self).appendingPathComponent("for-torch.safetensors")
        let model = TestNet(seed: 6)
        try model.save(to: url)
        let x: [Float] = [0.5, -1, 2, 0.25]
        // Nabla's forward pass of the same two Linear layers (no activation), computed here by hand.
        let w1 = model.fc1.weight.value.toArray(as: Float.self), b1 = model.fc1.bias.value.toArray(as: Float.self)
        let w2 = model.fc2.weight.value.toArray(as: Float.self), b2 = model.fc2.bias.value.toArray(as: Float.self)
        let h = (0..<3).map { i in (0..<4).reduce(b1[i]) { $0 + w1[i * 4 + $1] * x[$1] } }
        let y = (0..<2).map { i in (0..<3).reduce(b2[i]) { $0 + w2[i * 3 + $1] * h[$1] } }
        let script = #"""
import sys, torch
from safetensors.torch import load_file
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 3)
        self.fc2 = torch.nn.Linear(3, 2)
    def forward(self, x):
        return self.fc2(self.fc1(x))
model = Net()
model.load_state_dict(load_file(sys.argv[1]))
y = model(torch.tensor([0.5, -1.0, 2.0, 0.25]))
print(",".join(repr(v) for v in y.tolist()))
"""#
        let (status, stdout, stderr) = try PythonRunner.run(script, [url.path])
        XCTAssertEqual(status, 0, "PyTorch could not load the file: \(stderr)")
        let values = stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Double($0) }
        XCTAssertEqual(values.count, 2, stdout)
        for (a, b) in zip(values, y) { XCTAssertEqual(a, Double(b), accuracy: 1e-5) }
    }

    func testNablaReadsPythonFiles() throws {
        try requireSafetensors()
        let url = try makeTemporaryDirectory(self).appendingPathComponent("from-python.safetensors")
        let script = #"""
import sys
import numpy as np
from safetensors.numpy import save_file
save_file({
    "fc1.weight": (np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5 - 2),
    "fc1.bias": np.array([1e-3, -7.25, 3e38], dtype=np.float32),
    "fc2.weight": np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32),
    "fc2.bias": np.array([0.0, -0.0], dtype=np.float32),
    "d": np.array([np.pi, -2.0**-1030], dtype=np.float64),
    "h": np.array([[1.5, -65504.0]], dtype=np.float16),
    "i64": np.array([-(2**63), 2**62 + 1], dtype=np.int64),
    "i32": np.array([-5, 2**31 - 1], dtype=np.int32),
    "i8": np.array([-128, 127], dtype=np.int8),
    "u8": np.arange(250, 256, dtype=np.uint8),
    "mask": np.array([True, False, True]),
    "empty": np.zeros((0, 3), dtype=np.float32),
}, sys.argv[1], metadata={"producer": "python", "step": "7"})
"""#
        let (status, _, stderr) = try PythonRunner.run(script, [url.path])
        XCTAssertEqual(status, 0, "python failed: \(stderr)")

        let file = try SafeTensors.read(from: url)
        XCTAssertEqual(file.metadata, ["producer": "python", "step": "7"])
        XCTAssertEqual(file["fc1.weight"]?.shape, [3, 4])
        XCTAssertEqual(file["fc1.weight"]?.toArray(as: Float.self), (0..<12).map { Float($0) * 0.5 - 2 })
        XCTAssertEqual(file["fc1.bias"]?.toArray(as: Float.self), [1e-3, -7.25, 3e38])
        XCTAssertEqual(file["fc2.bias"]?.toArray(as: Float.self).map(\.sign), [.plus, .minus])
        XCTAssertEqual(file["d"]?.toArray(as: Double.self), [.pi, -0x1p-1030])
        XCTAssertEqual(file["h"]?.shape, [1, 2])
        XCTAssertEqual(file["h"]?.toArray(as: Float16.self), [1.5, -65504])
        XCTAssertEqual(file["i64"]?.toArray(as: Int64.self), [Int64.min, (1 << 62) + 1])
        XCTAssertEqual(file["i32"]?.toArray(as: Int32.self), [-5, Int32.max])
        XCTAssertEqual(file["i8"]?.toArray(as: Int8.self), [-128, 127])
        XCTAssertEqual(file["u8"]?.toArray(as: UInt8.self), [250, 251, 252, 253, 254, 255])
        XCTAssertEqual(file["mask"]?.toArray(as: Bool.self), [true, false, true])
        XCTAssertEqual(file["empty"]?.shape, [0, 3])

        // A PyTorch-style state dict loads into a Nabla model with the same names.
        let model = TestNet()
        let contents = try model.load(from: url, strict: false)
        XCTAssertEqual(model.fc1.weight.value.toArray(as: Float.self), (0..<12).map { Float($0) * 0.5 - 2 })
        XCTAssertEqual(contents.step, 7)
        let strictError = expectCheckpointError { try TestNet().load(from: url) }
        guard case let .stateDictMismatch(_, details)? = strictError else { return XCTFail("got \(String(describing: strictError))") }
        XCTAssertEqual(details.unexpected, ["d", "empty", "h", "i32", "i64", "i8", "mask", "u8"])
    }

    func testPythonLoadsANablaModelAsAStateDict() throws {
        try requireSafetensors()
        let url = try makeTemporaryDirectory(self).appendingPathComponent("model.safetensors")
        let model = TestNet(seed: 4)
        try model.save(to: url)
        let expected = model.fc1.weight.value.toArray(as: Float.self).map { String($0) }.joined(separator: ",")
        let script = #"""
import sys
import numpy as np
from safetensors.numpy import load_file
sd = load_file(sys.argv[1])
assert sorted(sd) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"], sorted(sd)
assert sd["fc1.weight"].shape == (3, 4) and sd["fc1.weight"].dtype == np.float32
expected = np.array([float(v) for v in sys.argv[2].split(",")], dtype=np.float32).reshape(3, 4)
assert np.array_equal(sd["fc1.weight"], expected), sd["fc1.weight"]
print("ok")
"""#
        let (status, stdout, stderr) = try PythonRunner.run(script, [url.path, expected])
        XCTAssertEqual(status, 0, "python failed: \(stderr)")
        XCTAssertEqual(stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }
}
