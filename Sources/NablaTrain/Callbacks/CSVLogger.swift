import Foundation

/// Appends one row per epoch to a CSV file: `epoch` then every logged value in sorted order
/// (Keras' `CSVLogger`). The file is flushed after each row, so it can be watched while training runs.
///
/// ```swift
/// CSVLogger("runs/cnn/log.csv")          // epoch,accuracy,loss,lr,val_accuracy,val_loss
/// ```
public final class CSVLogger: Callback {
    /// The file written.
    public let path: String
    /// Whether rows are appended to an existing file (as when resuming) instead of replacing it.
    public let append: Bool
    private var handle: FileHandle?
    private var columns: [String]?

    /// Logs to `path`; with `append`, keeps an existing file's rows and header.
    public init(_ path: String, append: Bool = false) {
        self.path = path
        self.append = append
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        let url = URL(fileURLWithPath: path)
        let manager = FileManager.default
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        columns = nil
        if append, manager.fileExists(atPath: path),
           let existing = try? String(contentsOf: url, encoding: .utf8), let header = existing.split(separator: "\n").first {
            columns = header.split(separator: ",").dropFirst().map(String.init)
        } else {
            guard manager.createFile(atPath: path, contents: nil) else {
                throw TrainingError.invalidArgument(name: "CSVLogger path", reason: "cannot create \(path)")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle?.seekToEnd()
        } catch {
            throw TrainingError.invalidArgument(name: "CSVLogger path", reason: "cannot open \(path) for writing: \(error.localizedDescription)")
        }
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        guard let handle else { return }
        var text = ""
        if columns == nil {
            columns = logs.keys.sorted()
            text += (["epoch"] + columns!).joined(separator: ",") + "\n"
        }
        let values = columns!.map { logs[$0].map { String($0) } ?? "" }
        text += ([String(epoch)] + values).joined(separator: ",") + "\n"
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }

    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws {
        try handle?.close()
        handle = nil
    }
}
