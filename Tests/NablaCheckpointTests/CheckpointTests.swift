import Foundation
import XCTest
import Nabla
import NablaNN
import NablaCheckpoint

/// Model + optimizer checkpoints: PyTorch state-dict names, metadata, optimizer prefix, and load
/// errors that name the file and every missing, unexpected and mis-shaped key.
final class CheckpointTests: XCTestCase {
    func testModelRoundTripUnderPyTorchNames() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("net.safetensors")
        let source = TestNet(seed: 1)
        try source.save(to: url, metadata: ["dataset": "fashion-mnist"])
        let info = try SafeTensors.info(at: url)
        XCTAssertEqual(Set(info.names), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        XCTAssertEqual(info["fc1.weight"]?.shape, [3, 4], "PyTorch Linear layout [out, in]")
        XCTAssertEqual(info.metadata["format"], "nabla-checkpoint")
        XCTAssertEqual(info.metadata["format_version"], "1")
        XCTAssertEqual(info.metadata["nabla_version"], Checkpoint.nablaVersion)
        XCTAssertEqual(info.metadata["dataset"], "fashion-mnist")
        XCTAssertNil(info.metadata["step"])

        let target = TestNet(seed: 5)
        XCTAssertNotEqual(target.fc1.weight.value.scalars, source.fc1.weight.value.scalars)
        let contents = try target.load(from: url)
        for ((name, a), (_, b)) in zip(source.stateDict(), target.stateDict()) {
            XCTAssertEqual(rawBytes(a), rawBytes(b), name)
        }
        XCTAssertTrue(target.fc1.weight.requiresGrad, "loaded parameters still train")
        XCTAssertNil(contents.optimizerState)
        XCTAssertEqual(contents.extraMetadata, ["dataset": "fashion-mnist"])
    }

    func testOptimizerStateStepAndMetadata() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("ckpt.safetensors")
        let model = TestNet()
        let optimizerTensors: [String: Tensor] = [
            "fc1.weight.exp_avg": Tensor.full([3, 4], value: 0.25),
            "fc1.weight.exp_avg_sq": Tensor.full([3, 4], value: 0.5, dtype: .float64),
            "step": Tensor(Int64(1200)),
        ]
        try Checkpoint.save(model: model, optimizerState: (optimizerTensors, ["name": "adam", "lr": "0.001"]),
                            step: 1200, extraMetadata: ["run": "a"], to: url)
        let info = try SafeTensors.info(at: url)
        XCTAssertTrue(info.names.contains("optimizer.fc1.weight.exp_avg"))
        XCTAssertEqual(info.metadata["optimizer.name"], "adam")
        XCTAssertEqual(info.metadata["step"], "1200")

        let restored = try Checkpoint.load(from: url, into: TestNet(seed: 9))
        XCTAssertEqual(restored.step, 1200)
        XCTAssertEqual(restored.extraMetadata, ["run": "a"])
        let optimizer = try XCTUnwrap(restored.optimizerState)
        XCTAssertEqual(optimizer.metadata, ["name": "adam", "lr": "0.001"])
        XCTAssertEqual(Set(optimizer.tensors.keys), Set(optimizerTensors.keys))
        for (key, t) in optimizerTensors {
            XCTAssertEqual(optimizer.tensors[key]?.dtype, t.dtype, key)
            XCTAssertEqual(optimizer.tensors[key].map(rawBytes), rawBytes(t), key)
        }
        XCTAssertEqual(Set(restored.modelState.keys), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])

        // Module.load ignores the optimizer part even when strict.
        XCTAssertNoThrow(try TestNet().load(from: url, strict: true))
    }

    func testEmptyOptimizerStateIsStillReported() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("sgd.safetensors")
        try Checkpoint.save(model: TestNet(), optimizerState: ([:], [:]), to: url)
        let restored = try Checkpoint.read(from: url)
        XCTAssertNotNil(restored.optimizerState, "SGD without momentum has no tensors but did save state")
        XCTAssertEqual(restored.optimizerState?.tensors.count, 0)
    }

    func testReservedMetadataKeysAreRejected() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("r.safetensors")
        for key in ["format", "step", "optimizer.lr"] {
            let error = expectCheckpointError { try Checkpoint.save(model: TestNet(), extraMetadata: [key: "x"], to: url) }
            XCTAssertEqual(error?.key, key)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testMissingKeysAreNamedWithTheFile() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("partial.safetensors")
        let model = TestNet()
        try SafeTensors.write(model.stateDict().filter { $0.0 != "fc2.bias" }, to: url)
        let error = expectCheckpointError { try TestNet().load(from: url) }
        guard case let .stateDictMismatch(file, details)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(file, url.path)
        XCTAssertEqual(details.missing, ["fc2.bias"])
        XCTAssertTrue(error!.description.contains(url.path) && error!.description.contains("missing keys: fc2.bias"), error!.description)
        XCTAssertNoThrow(try TestNet().load(from: url, strict: false), "non-strict loading tolerates missing keys")
    }

    func testExtraAndMisShapedKeysAreNamedWithTheFile() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("other.safetensors")
        var state = TestNet().stateDict()
        state.append(("fc3.weight", Tensor.ones([2, 2])))
        state = state.map { $0.0 == "fc1.weight" ? ($0.0, Tensor.ones([5, 4])) : $0 }
        try SafeTensors.write(state, to: url)
        let target = TestNet(seed: 2)
        let before = target.fc2.weight.value.scalars
        let error = expectCheckpointError { try target.load(from: url) }
        guard case let .stateDictMismatch(_, details)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(details.unexpected, ["fc3.weight"])
        XCTAssertEqual(details.mismatched, ["fc1.weight: expected shape [3, 4], got [5, 4]"])
        let message = error!.description
        XCTAssertTrue(message.contains(url.path) && message.contains("fc3.weight") && message.contains("fc1.weight"), message)
        XCTAssertEqual(target.fc2.weight.value.scalars, before, "a failed load changes nothing")

        // Shape mismatches are errors even when not strict.
        let lenient = expectCheckpointError { try target.load(from: url, strict: false) }
        guard case let .stateDictMismatch(_, lenientDetails)? = lenient else { return XCTFail("got \(String(describing: lenient))") }
        XCTAssertEqual(lenientDetails.mismatched.count, 1)
    }

    func testPlainSafetensorsFilesLoadAndNewerFormatsAreRefused() throws {
        let dir = try makeTemporaryDirectory(self)
        let plain = dir.appendingPathComponent("torch.safetensors")
        try SafeTensors.write(TestNet(seed: 3).stateDict(), metadata: ["format": "pt"], to: plain)
        let target = TestNet()
        XCTAssertNoThrow(try target.load(from: plain))
        XCTAssertEqual(target.fc1.bias.value.scalars, TestNet(seed: 3).fc1.bias.value.scalars)

        let future = dir.appendingPathComponent("future.safetensors")
        try SafeTensors.write(TestNet().stateDict(), metadata: ["format": "nabla-checkpoint", "format_version": "2"], to: future)
        let error = expectCheckpointError { try TestNet().load(from: future) }
        guard case .unsupportedFormatVersion(future.path, "2")? = error else { return XCTFail("got \(String(describing: error))") }

        let badStep = dir.appendingPathComponent("step.safetensors")
        try SafeTensors.write(TestNet().stateDict(), metadata: ["step": "twelve"], to: badStep)
        let stepError = expectCheckpointError { _ = try Checkpoint.read(from: badStep) }
        XCTAssertEqual(stepError?.key, "step")
    }
}
