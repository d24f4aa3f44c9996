import Foundation
import Nabla
import NablaCheckpoint
import NablaNN

extension BertModel {
    /// A model built from `directory/config.json` with the weights of `directory/model.safetensors`
    /// (memory-mapped), in evaluation mode.
    ///
    /// - Throws: `ModelError` naming the file: unreadable or invalid config, unreadable weights, or
    ///   weights that do not match the config (every missing, extra and mis-shaped key).
    public static func pretrained(directory: URL) throws -> BertModel {
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let weights = directory.appendingPathComponent("model.safetensors")
        let contents: SafeTensorsContents
        do { contents = try SafeTensors.read(from: weights) } catch let error as CheckpointError {
            throw ModelError.checkpoint(error)
        }
        let state = huggingFaceStateDict(contents.tensors)
        let hasPooler = state.keys.contains { $0.hasPrefix("pooler.") }
        let model = BertModel(config: config, addPoolingLayer: hasPooler)
        do { try model.loadStateDict(state) } catch let error as StateDictError {
            throw ModelError.weightsMismatch(path: weights.path, error)
        }
        model.eval()
        return model
    }

    /// A Hugging Face BERT state dict with the few naming variants of older or task-specific
    /// checkpoints mapped to `BertModel`'s names: a `bert.` prefix is removed (`BertForMaskedLM` and
    /// friends; their task heads, `cls.*` and `classifier.*`, are dropped), TensorFlow-era LayerNorm
    /// names `gamma`/`beta` become `weight`/`bias`, and a missing `embeddings.position_ids` buffer (newer
    /// `transformers` versions do not save it) is filled with 0, 1, 2, ….
    public static func huggingFaceStateDict(_ tensors: [String: Tensor]) -> [String: Tensor] {
        let prefixed = tensors.keys.contains { $0.hasPrefix("bert.") }
        var state: [String: Tensor] = [:]
        for (key, tensor) in tensors {
            var name = key
            if prefixed {
                guard name.hasPrefix("bert.") else { continue }
                name.removeFirst("bert.".count)
            }
            if name.hasSuffix("LayerNorm.gamma") { name = String(name.dropLast("gamma".count)) + "weight" }
            if name.hasSuffix("LayerNorm.beta") { name = String(name.dropLast("beta".count)) + "bias" }
            state[name] = tensor
        }
        if state["embeddings.position_ids"] == nil, let table = state["embeddings.position_embeddings.weight"], table.rank == 2 {
            state["embeddings.position_ids"] = Tensor.arange(0, Double(table.shape[0]), dtype: .int64).reshaped([1, table.shape[0]])
        }
        return state
    }
}
