import Foundation

/// The fortune cookie databases as a text corpus: every entry of every file of a `fortune` directory
/// (Debian's `fortunes` package installs them in `/usr/share/games/fortunes`, about 2.5 MB of text in
/// some 15,000 entries).
///
/// A fortune file holds entries separated by lines that contain only `%`. The reader takes the regular
/// files of the directory in sorted name order, skipping hidden files, subdirectories (such as `off/`,
/// the offensive ones), the `strfile` indexes (`*.dat`) and the `*.u8` links to the same text, so the
/// entries come in the same order on every machine. Files are decoded as UTF-8 (invalid bytes become
/// U+FFFD); by default terminal overstrikes (`x` backspace `y`, the old way to underline or bold) are
/// resolved to what a terminal shows, `y`.
///
/// ```swift
/// let corpus = try FortuneCorpus()                       // /usr/share/games/fortunes
/// let (train, validation) = corpus.split(validationEvery: 10)
/// let text = FortuneCorpus.joined(train)                 // entries with "%" lines between them
/// ```
public struct FortuneCorpus: Sendable {
    /// Where Debian's `fortunes` package puts the databases.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/games/fortunes")
    /// How to get the corpus, used in errors.
    public static let installHint = "The fortune cookie databases come with the Debian package fortunes: "
        + "sudo apt-get install fortunes (or pass the directory of your own fortune files)."

    /// One fortune and the file it comes from.
    public struct Entry: Sendable, Equatable {
        /// The file's name inside the directory ("computers", say).
        public var file: String
        /// The text, its lines joined by "\n", without the trailing newline.
        public var text: String
    }

    /// The directory read.
    public let directory: URL
    /// The names of the files read, in order.
    public let files: [String]
    /// Every entry of every file, file by file, in file order.
    public let entries: [Entry]

    /// Reads every fortune file in `directory`.
    ///
    /// - Parameter removingOverstrikes: replace "x backspace y" by "y" (the default).
    /// - Throws: `DatasetError.datasetMissing` naming the directory (with the `apt-get install` hint)
    ///   when it does not exist or holds no fortune entries; `DatasetError.io` naming a file that cannot be read.
    public init(directory: URL = FortuneCorpus.defaultDirectory, removingOverstrikes: Bool = true) throws(DatasetError) {
        let path = directory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .datasetMissing(path: path, hint: Self.installHint)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .io(file: path, reason: "cannot list the directory: \(error.localizedDescription)")
        }
        var files: [String] = []
        var entries: [Entry] = []
        var seenTargets: Set<String> = []
        for name in names.sorted() where Self.isFortuneFileName(name) {
            let url = directory.appendingPathComponent(name)
            // Regular files only (following links), each target once.
            let target = url.resolvingSymlinksInPath().path
            var targetIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: target, isDirectory: &targetIsDirectory), !targetIsDirectory.boolValue,
                  seenTargets.insert(target).inserted else { continue }
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw .io(file: url.path, reason: error.localizedDescription)
            }
            var text = String(decoding: data, as: UTF8.self)
            if removingOverstrikes { text = Self.removingOverstrikes(text) }
            let texts = Self.entries(in: text)
            guard !texts.isEmpty else { continue }
            files.append(name)
            entries += texts.map { Entry(file: name, text: $0) }
        }
        guard !entries.isEmpty else {
            throw .datasetMissing(path: path, hint: "the directory holds no fortune entries. " + Self.installHint)
        }
        (self.directory, self.files, self.entries) = (directory, files, entries)
    }

    /// Whether a directory entry named `name` may be a fortune file (not hidden, not an index or a link).
    static func isFortuneFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".dat") && !name.hasSuffix(".u8")
    }

    /// The entries of one fortune file's text: the pieces between lines holding only "%", without
    /// their trailing newlines; pieces that are only white space are dropped.
    public static func entries(in text: String) -> [String] {
        var result: [String] = []
        var current: [Substring] = []
        func finish() {
            let entry = current.joined(separator: "\n")
            if entry.contains(where: { !$0.isWhitespace }) { result.append(entry) }
            current.removeAll(keepingCapacity: true)
        }
        // Split on "\n" scalars, so a "\r\n" file keeps its "\r" (and "%\r" still separates).
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let string = Substring(line)
            if string == "%" || string == "%\r" { finish() } else { current.append(string) }
        }
        finish()
        return result
    }

    /// `text` with every overstrike "x backspace y" replaced by "y" (a backspace at the start of a
    /// line, with nothing to strike, is dropped).
    public static func removingOverstrikes(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{8}") else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\u{8}" {
                if let last = out.last, last != "\n" { out.removeLast() }
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A deterministic split: entry `i` (0-based, in corpus order) goes to validation when
    /// `i % validationEvery == validationEvery - 1`, else to training (every 10th entry by default).
    public func split(validationEvery: Int = 10) -> (train: [String], validation: [String]) {
        precondition(validationEvery >= 2, "FortuneCorpus.split: validationEvery must be at least 2, got \(validationEvery)")
        var train: [String] = [], validation: [String] = []
        for (i, entry) in entries.enumerated() {
            if i % validationEvery == validationEvery - 1 { validation.append(entry.text) } else { train.append(entry.text) }
        }
        return (train, validation)
    }

    /// The entries as one text in the fortune file format: each entry followed by "\n%\n".
    public static func joined(_ entries: [String]) -> String {
        entries.map { $0 + "\n%\n" }.joined()
    }

    /// The number of Unicode scalars over all entries.
    public var scalarCount: Int { entries.reduce(0) { $0 + $1.text.unicodeScalars.count } }
}
