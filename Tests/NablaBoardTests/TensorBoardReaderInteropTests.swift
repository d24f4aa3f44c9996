import CPNG
import Foundation
import XCTest
import Nabla
import NablaTestSupport
@testable import NablaBoard

/// Files written by `SummaryWriter`, read by TensorBoard's own Python reader (`EventAccumulator`).
/// Skipped, with a "SKIP:" line, when python3 cannot import tensorboard
/// (`scripts/install-python-tools.sh` installs it).
final class TensorBoardReaderInteropTests: XCTestCase {
    private func requireTensorBoard() throws {
        guard PythonRunner.canImport("tensorboard, numpy") else {
            let message = "SKIP: \(PythonRunner.interpreter) cannot import `tensorboard` and `numpy`; "
                + "run scripts/install-python-tools.sh to enable the TensorBoard reader interop test"
            print(message)
            throw XCTSkip(message)
        }
    }

    private static let readerScript = #"""
import json, sys
import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing import plugin_event_accumulator
from tensorboard.plugins.hparams import metadata as hp_metadata
from google.protobuf import json_format

run = sys.argv[1]
guidance = {k: 0 for k in ("compressedHistograms", "images", "audio", "scalars", "histograms", "tensors")}
ea = EventAccumulator(run, size_guidance=guidance)
ea.Reload()
tags = ea.Tags()
out = {"file_version": ea.file_version}
out["scalars"] = {t: [[e.step, e.value] for e in ea.Scalars(t)] for t in tags["scalars"]}
out["histograms"] = {}
for t in tags["histograms"]:
    out["histograms"][t] = [{"step": e.step, "min": e.histogram_value.min, "max": e.histogram_value.max,
                             "num": e.histogram_value.num, "sum": e.histogram_value.sum,
                             "sum_squares": e.histogram_value.sum_squares,
                             "limits": list(e.histogram_value.bucket_limit),
                             "counts": list(e.histogram_value.bucket)} for e in ea.Histograms(t)]
out["images"] = {t: [{"step": e.step, "width": e.width, "height": e.height,
                      "png": e.encoded_image_string.hex()} for e in ea.Images(t)] for t in tags["images"]}
out["tensors"] = {}
for t in tags["tensors"]:
    out["tensors"][t] = [{"step": e.step, "dtype": e.tensor_proto.dtype,
                          "strings": [s.decode("utf-8") for s in e.tensor_proto.string_val]} for e in ea.Tensors(t)]
out["text_plugin"] = sorted(ea.PluginTagToContent("text").keys())

# PyTorch's make_histogram with numpy, from the values given, for the bucket comparison.
values = np.array(json.loads(sys.argv[2]), dtype=np.float64)
v, pos, neg = 1e-12, [], []
while v < 1e20:
    pos.append(v); neg.append(-v); v *= 1.1
bins = neg[::-1] + [0] + pos
counts, limits = np.histogram(values, bins=bins)
cum = np.cumsum(np.greater(counts, 0))
start, end = np.searchsorted(cum, [0, cum[-1] - 1], side="right")
start, end = int(start), int(end) + 1
counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
out["numpy_histogram"] = {"limits": limits[start:end + 1].tolist(), "counts": counts.astype(float).tolist()}

hp = ea.PluginTagToContent("hparams")
if hp:
    exp = hp_metadata.parse_experiment_plugin_data(hp[hp_metadata.EXPERIMENT_TAG])
    start_info = hp_metadata.parse_session_start_info_plugin_data(hp[hp_metadata.SESSION_START_INFO_TAG])
    end_info = hp_metadata.parse_session_end_info_plugin_data(hp[hp_metadata.SESSION_END_INFO_TAG])
    out["hparams"] = {
        "experiment_hparams": sorted([[i.name, i.type] for i in exp.hparam_infos]),
        "experiment_metrics": sorted([i.name.tag for i in exp.metric_infos]),
        "values": {k: json_format.MessageToDict(v) for k, v in start_info.hparams.items()},
        "status": end_info.status,
    }

# The loader the TensorBoard server uses (--load_fast=false): legacy values migrated to tensors.
pea = plugin_event_accumulator.EventAccumulator(run, size_guidance=guidance)
pea.Reload()
out["plugin_tags"] = sorted(pea.Tags()["tensors"])
out["plugin_scalar_values"] = [float(np.asarray(
    __import__("tensorboard.util.tensor_util", fromlist=["x"]).make_ndarray(e.tensor_proto)))
    for e in pea.Tensors("loss")]
print(json.dumps(out))
"""#

    func testTensorBoardReadsWhatSummaryWriterWrites() throws {
        try requireTensorBoard()
        let run = try makeBoardTemporaryDirectory(self).appendingPathComponent("runs/interop")
        let writer = try SummaryWriter(logDir: run)
        let losses: [Double] = [2.5, 1.25, 0.7071067811865476, 0.1, -3e-5]
        for (step, loss) in losses.enumerated() {
            try writer.addScalar("loss", loss, step: step * 10)
        }
        try writer.addScalars(["acc/train": 0.5, "acc/val": 0.25], step: 3)
        let histogramValues: [Double] = [-2.5, -1, 0, 0, 1e-3, 0.5, 0.5, 1, 3.75, 1e6]
        try writer.addHistogram("weights", values: Tensor(histogramValues), step: 7)
        let pixels: [Float] = (0..<(3 * 4 * 5)).map { Float($0 % 11) / 10 }
        let image = Tensor(shape: [3, 4, 5], scalars: pixels)
        try writer.addImage("samples/rgb", image, step: 2)
        try writer.addImage("samples/gray", Tensor(shape: [2, 3], scalars: [UInt8(0), 50, 100, 150, 200, 250]), step: 2,
                            dataFormat: .hw)
        let text = "**Bold** `code` — ünïcode ✓"
        try writer.addText("notes", text, step: 1)
        try writer.addHyperparameters(["lr": 0.001, "batch": 64, "optimizer": "adam", "augment": false],
                                      metrics: ["hparam/accuracy": 0.91])
        try writer.close()

        let histogramJSON = "[" + histogramValues.map { "\($0)" }.joined(separator: ",") + "]"
        let (status, stdout, stderr) = try PythonRunner.run(Self.readerScript, [run.path, histogramJSON])
        XCTAssertEqual(status, 0, "TensorBoard's reader failed: \(stderr)")
        let out = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], stdout)
        // Foundation's JSON parser may round doubles; NablaTestSupport's reader keeps them exact.
        let exact = try JSONReader.parse(Data(stdout.utf8))
        func doubles(_ value: JSONValue?) -> [Double]? { value?.arrayValue?.compactMap(\.doubleValue) }

        XCTAssertEqual(out["file_version"] as? Double, 2)
        // Scalars: steps and float32 values.
        func scalarSeries(_ tag: String) -> [[Double]]? {
            exact["scalars"]?[tag]?.arrayValue?.compactMap { doubles($0) }
        }
        XCTAssertEqual(scalarSeries("loss")?.map { $0[0] }, [0, 10, 20, 30, 40])
        XCTAssertEqual(scalarSeries("loss")?.map { Float($0[1]) }, losses.map { Float($0) })
        XCTAssertEqual(scalarSeries("acc/train")?.first, [3, 0.5])
        XCTAssertEqual(scalarSeries("acc/val")?.first, [3, 0.25])
        XCTAssertEqual(scalarSeries("hparam/accuracy")?.first.map { Float($0[1]) }, Float(0.91))

        // Histogram: statistics and buckets as written, and as numpy/PyTorch's algorithm computes them.
        let h = try XCTUnwrap(exact["histograms"]?["weights"]?.arrayValue?.first)
        let expected = try HistogramProto(values: histogramValues)
        XCTAssertEqual(h["step"]?.intValue, 7)
        XCTAssertEqual(h["min"]?.doubleValue, -2.5)
        XCTAssertEqual(h["max"]?.doubleValue, 1e6)
        XCTAssertEqual(h["num"]?.doubleValue, Double(histogramValues.count))
        XCTAssertEqual(h["sum"]?.doubleValue, histogramValues.reduce(0, +))
        XCTAssertEqual(h["sum_squares"]?.doubleValue, histogramValues.reduce(0) { $0 + $1 * $1 })
        XCTAssertEqual(doubles(h["limits"]), expected.bucketLimits)
        XCTAssertEqual(doubles(h["counts"]), expected.bucketCounts)
        XCTAssertEqual(doubles(h["counts"])?.reduce(0, +), Double(histogramValues.count))
        XCTAssertEqual(doubles(exact["numpy_histogram"]?["limits"]), expected.bucketLimits,
                       "bucket edges as PyTorch's bins='tensorflow'")
        XCTAssertEqual(doubles(exact["numpy_histogram"]?["counts"]), expected.bucketCounts, "bucket counts as numpy.histogram")

        // Images: dimensions and the exact PNG bytes; the bytes decode to the pixels given.
        let images = try XCTUnwrap(out["images"] as? [String: [[String: Any]]])
        let rgb = try XCTUnwrap(images["samples/rgb"]?.first)
        XCTAssertEqual(rgb["width"] as? Int, 5)
        XCTAssertEqual(rgb["height"] as? Int, 4)
        XCTAssertEqual(rgb["step"] as? Int, 2)
        let expectedPNG = try SummaryWriter.imageValue(tag: "samples/rgb", image, dataFormat: .chw)
        guard case let .image(expectedImage)? = expectedPNG.kind else { return XCTFail("no image") }
        XCTAssertEqual(rgb["png"] as? String, hex(expectedImage.encodedImage))
        let decoded = try decodePNG(bytes(hex: rgb["png"] as? String ?? ""), format: UInt32(PNG_FORMAT_RGB))
        let interleaved = (0..<20).flatMap { p in (0..<3).map { c in UInt8((Double(pixels[c * 20 + p]) * 255).rounded()) } }
        XCTAssertEqual(decoded.pixels, interleaved)
        let gray = try XCTUnwrap(images["samples/gray"]?.first)
        XCTAssertEqual(gray["width"] as? Int, 3)
        XCTAssertEqual(gray["height"] as? Int, 2)
        XCTAssertEqual(try decodePNG(bytes(hex: gray["png"] as? String ?? ""), format: UInt32(PNG_FORMAT_GRAY)).pixels,
                       [0, 50, 100, 150, 200, 250])

        // Text: a DT_STRING tensor under the text plugin, tag suffixed like PyTorch's.
        let tensors = try XCTUnwrap(out["tensors"] as? [String: [[String: Any]]])
        let textEvent = try XCTUnwrap(tensors["notes/text_summary"]?.first)
        XCTAssertEqual(textEvent["strings"] as? [String], [text])
        XCTAssertEqual(textEvent["dtype"] as? Int, 7)
        XCTAssertEqual(out["text_plugin"] as? [String], ["notes/text_summary"])

        // HParams: parsed with TensorBoard's own hparams metadata functions.
        let hparams = try XCTUnwrap(out["hparams"] as? [String: Any], "no hparams plugin data found")
        XCTAssertEqual((hparams["experiment_hparams"] as? [[Any]])?.map { "\($0[0])=\($0[1])" },
                       ["augment=2", "batch=3", "lr=3", "optimizer=1"])
        XCTAssertEqual(hparams["experiment_metrics"] as? [String], ["hparam/accuracy"])
        let values = try XCTUnwrap(hparams["values"] as? [String: Any])
        XCTAssertEqual(values["lr"] as? Double, 0.001)
        XCTAssertEqual(values["batch"] as? Double, 64)
        XCTAssertEqual(values["optimizer"] as? String, "adam")
        XCTAssertEqual(values["augment"] as? Bool, false)
        XCTAssertEqual(hparams["status"] as? Int, 1)

        // The server's loader sees every tag, with the legacy scalar migrated to a float tensor.
        let pluginTags = try XCTUnwrap(out["plugin_tags"] as? [String])
        for tag in ["loss", "weights", "samples/rgb", "samples/gray", "notes/text_summary", "_hparams_/session_start_info"] {
            XCTAssertTrue(pluginTags.contains(tag), "\(tag) missing from \(pluginTags)")
        }
        XCTAssertEqual(doubles(exact["plugin_scalar_values"])?.map { Float($0) }, losses.map { Float($0) })
    }
}
