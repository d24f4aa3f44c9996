import Foundation
import Yams

/// The settings of `nabla train --config FILE`: a JSON or YAML mapping whose keys are the long flags
/// with underscores or dashes (`batch_size: 128`). Flags given on the command line win over the file.
///
/// ```yaml
/// model: cnn
/// epochs: 3
/// batch_size: 64
/// learning_rate: 0.001
/// optimizer: adam
/// logdir: runs/cnn
/// ```
struct TrainConfigFile: Decodable {
    var model: String?
    var dataDir: String?
    var epochs: Int?
    var batchSize: Int?
    var learningRate: Double?
    var optimizer: String?
    var schedule: String?
    var seed: UInt64?
    var logdir: String?
    var output: String?
    var checkpoint: String?
    var resume: String?
    var workers: Int?
    var quiet: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, dataDir = "data_dir", epochs, batchSize = "batch_size", learningRate = "learning_rate", optimizer, schedule, seed,
             logdir, output, checkpoint, resume, workers, quiet
    }

    /// Reads and validates `path` (YAML, which includes JSON).
    /// - Throws: `CLIError` naming the file and the unreadable content, unknown key or mistyped value.
    static func load(_ path: String) throws -> TrainConfigFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CLIError("\(path): cannot read the config file (\(error.localizedDescription))")
        }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw CLIError("\(path): not valid JSON or YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let mapping = root as? [String: Any] else {
            throw CLIError("\(path): the config must be a mapping of settings (like `epochs: 3`)")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        var normalised: [String: Any] = [:]
        for (key, value) in mapping {
            let name = key.replacingOccurrences(of: "-", with: "_")
            guard known.contains(name) else {
                throw CLIError("\(path): unknown setting \"\(key)\"; known settings: \(known.sorted().joined(separator: ", "))")
            }
            normalised[name] = value
        }
        do {
            let yaml = try Yams.dump(object: normalised)
            return try YAMLDecoder().decode(TrainConfigFile.self, from: yaml)
        } catch let DecodingError.typeMismatch(type, context) {
            throw CLIError("\(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")) must be \(typeName(type))")
        } catch {
            throw CLIError("\(path): \(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "a string"
        }
    }
}
