import Foundation
import Nabla

/// Images in one folder per class, `root/<class>/<image>.png` (PyTorch's `ImageFolder`), as
/// `(image, label)` examples: image float32 `[C, H, W]` with values in `[0, 1]`, label int64 `[]`.
///
/// Classes are the sub-folders of `root`, sorted by name; a class's label is its index in
/// `classNames`. Within a class, images are sorted by file name. Only files whose extension is
/// `.png` (any case) are read; other files, hidden files (`.name`) and nested folders are ignored,
/// as PyTorch ignores files without an image extension. Images are decoded lazily, when an example
/// is read, with libpng; their channels are decoded as `channels` says (see `ImageChannels`: by
/// default as stored, so gray → 1, RGB → 3, RGBA → 4; use `.rgb` to batch mixed files).
///
/// ```swift
/// let data = try ImageFolder(root: URL(fileURLWithPath: "flowers/train"), channels: .rgb)
/// data.classNames                 // ["daisy", "rose", "tulip"]
/// let (image, label) = try data[0]   // [3, H, W], 0
/// ```
public struct ImageFolder: Dataset {
    /// The class names (the sub-folders of `root`), sorted.
    public let classNames: [String]
    /// Every image's path and label, in example order.
    public let samples: [(path: String, label: Int)]
    /// How images are decoded.
    public let channels: ImageChannels

    /// Lists the images under `root` (nothing is decoded yet).
    /// - Throws: `DataFileError.io` when `root` cannot be listed; `DataFileError.badLayout` when it has
    ///   no class folders or a class folder holds no PNG file.
    public init(root: URL, channels: ImageChannels = .asStored) throws {
        let manager = FileManager.default
        let rootPath = root.path
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: rootPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataFileError.io(file: rootPath, reason: "no such directory")
        }
        func list(_ path: String) throws -> [String] {
            do {
                return try manager.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
            } catch {
                throw DataFileError.io(file: path, reason: "cannot list the directory: \(error.localizedDescription)")
            }
        }
        let classes = try list(rootPath).filter { name in
            var isDir: ObjCBool = false
            return manager.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        }
        guard !classes.isEmpty else {
            throw DataFileError.badLayout(path: rootPath, reason: "no class folders; expected root/<class>/<image>.png")
        }
        var samples: [(path: String, label: Int)] = []
        for (label, name) in classes.enumerated() {
            let folder = root.appendingPathComponent(name).path
            let images = try list(folder).filter { file in
                var isDir: ObjCBool = false
                let path = folder + "/" + file
                return file.lowercased().hasSuffix(".png") && manager.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
            }
            guard !images.isEmpty else {
                throw DataFileError.badLayout(path: folder, reason: "class \"\(name)\" holds no .png file")
            }
            samples += images.map { (folder + "/" + $0, label) }
        }
        classNames = classes
        self.samples = samples
        self.channels = channels
    }

    /// The number of images.
    public var count: Int { samples.count }

    /// The image at `index`, decoded now, and its class index.
    /// - Throws: `DataFileError.badImage` naming the file when libpng cannot decode it.
    public func element(at index: Int) throws -> (Tensor, Tensor) {
        guard index >= 0 && index < samples.count else {
            throw DataLoaderError.indexOutOfRange(index: index, count: samples.count, dataset: "ImageFolder")
        }
        let (path, label) = samples[index]
        return (try PNGDecoder.decode(file: path, channels: channels), Tensor(Int64(label)))
    }
}
