import Foundation

/// Reading byte-level BPE tokenizers from `vocab.json` + `merges.txt` and HuggingFace `tokenizer.json`.
extension ByteLevelBPETokenizer {
    /// Reads GPT-2 style `vocab.json` (`{token: id}`) and `merges.txt` (`#version` header, then one
    /// merge `left right` per line, rank order).
    ///
    /// - Throws: `TokenizerError` naming the file (and the line of `merges.txt`): unreadable file,
    ///   invalid JSON or UTF-8, a bad id, a line that is not two tokens separated by one space, or a merge
    ///   whose tokens are not in the vocabulary.
    public init(vocabularyFile: URL, mergesFile: URL, addPrefixSpace: Bool = false,
                paddingToken: String? = nil, modelMaxLength: Int = 1024) throws(TokenizerError) {
        let vocabName = vocabularyFile.lastPathComponent
        let vocabJSON = try VocabularyFiles.json(VocabularyFiles.data(of: vocabularyFile), file: vocabName)
        let vocabulary = try VocabularyFiles.tokenList(fromJSONVocabulary: vocabJSON, file: vocabName, field: "(root)")
        let (merges, firstLine) = try Self.readMerges(mergesFile)
        try self.init(vocabulary: vocabulary, merges: merges, addPrefixSpace: addPrefixSpace, paddingToken: paddingToken,
                      modelMaxLength: modelMaxLength, source: vocabName, mergesSource: mergesFile.lastPathComponent,
                      mergesFirstLine: firstLine)
    }

    /// Reads a HuggingFace `tokenizer.json` whose model is `BPE` with a `ByteLevel` pre-tokenizer.
    ///
    /// Uses `model.vocab`, `model.merges` (either `"a b"` strings or `["a", "b"]` pairs) and
    /// `pre_tokenizer.add_prefix_space`.
    ///
    /// - Throws: `TokenizerError` naming the file and the field at fault (merges by 1-based position).
    public init(tokenizerFile: URL, paddingToken: String? = nil, modelMaxLength: Int = 1024) throws(TokenizerError) {
        let file = tokenizerFile.lastPathComponent
        guard let root = try VocabularyFiles.json(VocabularyFiles.data(of: tokenizerFile), file: file) as? [String: Any] else {
            throw .invalidField(file: file, field: "(root)", reason: "expected a JSON object")
        }
        func field(_ path: String) -> Any? { VocabularyFiles.field(path, in: root) }
        guard let type = field("model.type") as? String else {
            throw .invalidField(file: file, field: "model.type", reason: "missing (expected \"BPE\")")
        }
        guard type == "BPE" else { throw .unsupportedModel(file: file, type: type, expected: "BPE") }
        if let pre = field("pre_tokenizer.type") as? String, pre != "ByteLevel" {
            throw .invalidField(file: file, field: "pre_tokenizer.type",
                                reason: "\(pre.debugDescription) is not supported (expected \"ByteLevel\")")
        }
        let vocabulary = try VocabularyFiles.tokenList(fromJSONVocabulary: field("model.vocab"), file: file, field: "model.vocab")
        guard let list = field("model.merges") as? [Any] else {
            throw .invalidField(file: file, field: "model.merges", reason: "expected an array")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(list.count)
        for (i, entry) in list.enumerated() {
            if let pair = entry as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                merges.append((a, b))
            } else if let line = entry as? String, let pair = Self.parseMerge(line) {
                merges.append(pair)
            } else {
                throw .invalidField(file: file, field: "model.merges[\(i)]",
                                    reason: "expected \"left right\" or [\"left\", \"right\"], got \(entry)")
            }
        }
        let addPrefixSpace = VocabularyFiles.boolean(field("pre_tokenizer.add_prefix_space")) ?? false
        try self.init(vocabulary: vocabulary, merges: merges, addPrefixSpace: addPrefixSpace, paddingToken: paddingToken,
                      modelMaxLength: modelMaxLength, source: file)
    }

    /// The merges of a `merges.txt` and the line number of the first one.
    static func readMerges(_ url: URL) throws(TokenizerError) -> ([(String, String)], Int) {
        let file = url.lastPathComponent
        let lines = try VocabularyFiles.lines(of: VocabularyFiles.data(of: url), file: file)
        var merges: [(String, String)] = []
        var firstLine = 1
        for (index, line) in lines.enumerated() {
            if index == 0 && line.hasPrefix("#version") { firstLine = 2; continue }
            guard let pair = parseMerge(line) else {
                throw .malformedLine(file: file, line: index + 1,
                                     reason: "expected two tokens separated by one space, got \(line.debugDescription)")
            }
            merges.append(pair)
        }
        return (merges, firstLine)
    }

    /// `"left right"` as a pair, or `nil` unless it is exactly two non-empty parts.
    static func parseMerge(_ line: String) -> (String, String)? {
        // Split on scalars, not Characters: a space followed by a combining mark is one Character.
        let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1])))
    }
}
