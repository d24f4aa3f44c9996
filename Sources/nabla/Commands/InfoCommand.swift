import ArgumentParser
import Foundation
import Nabla
import NablaCheckpoint

/// `nabla info FILE`: what a safetensors checkpoint holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "List the tensors (name, dtype, shape) and metadata of a safetensors checkpoint.",
        discussion: "Example: nabla info runs/demo/cnn.safetensors"
    )

    @Argument(help: "A .safetensors file (from Nabla, PyTorch or Hugging Face).") var file: String

    func run() throws {
        let info = try SafeTensors.info(at: URL(fileURLWithPath: file))
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
        print("\(file): \(info.names.count) tensors" + (size.map { ", \(ByteCountFormatter.string(fromByteCount: Int64($0), countStyle: .file))" } ?? ""))
        let rows: [(name: String, dtype: String, shape: String, count: Int)] = info.entries.map { entry in
            (entry.name, "\(entry.dtype)", "[" + entry.shape.map(String.init).joined(separator: ", ") + "]", entry.count)
        }
        let nameWidth = max(4, rows.map { $0.name.count }.max() ?? 0), dtypeWidth = max(5, rows.map { $0.dtype.count }.max() ?? 0)
        print(pad("name", nameWidth) + "  " + pad("dtype", dtypeWidth) + "  shape")
        for row in rows { print(pad(row.0, nameWidth) + "  " + pad(row.1, dtypeWidth) + "  " + row.2) }
        let model = rows.filter { !$0.0.hasPrefix(Checkpoint.optimizerPrefix) }.reduce(0) { $0 + $1.3 }
        print("model parameters and buffers: \(model) values" + (rows.count > 0 && model < rows.reduce(0, { $0 + $1.3 }) ? " (the rest is optimizer state)" : ""))
        if !info.metadata.isEmpty {
            print("metadata:")
            for key in info.metadata.keys.sorted() {
                let value = info.metadata[key]!
                print("  \(key): \(value.count > 200 ? String(value.prefix(200)) + "…" : value)")
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
}
