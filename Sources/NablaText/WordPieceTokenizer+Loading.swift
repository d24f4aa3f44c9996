import Foundation

/// Reading WordPiece tokenizers from `vocab.txt` and HuggingFace `tokenizer.json` files.
extension WordPieceTokenizer {
    /// Reads a BERT `vocab.txt` (one token per line, the id being the 0-based line number).
    ///
    /// ```swift
    /// let tokenizer = try WordPieceTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt"))
    /// ```
    ///
    /// - Parameters:
    ///   - lowercase: lower-case the text (uncased models); accents are stripped when `stripAccents` is
    ///     `nil` and `lowercase` is true, as BERT does.
    /// - Throws: `TokenizerError` naming the file and line: unreadable file, invalid UTF-8, an empty or
    ///   duplicate token, or a missing `[UNK]`/`[CLS]`/`[SEP]`/`[PAD]`.
    public init(vocabularyFile: URL, lowercase: Bool = true, stripAccents: Bool? = nil,
                modelMaxLength: Int = 512) throws(TokenizerError) {
        let vocabulary = try VocabularyFiles.readLineVocabulary(vocabularyFile)
        try self.init(vocabulary: vocabulary, normalizer: BertNormalizer(stripAccents: stripAccents, lowercase: lowercase),
                      modelMaxLength: modelMaxLength, source: vocabularyFile.lastPathComponent)
    }

    /// Reads a HuggingFace `tokenizer.json` whose model is `WordPiece`.
    ///
    /// Uses `model.vocab`, `model.unk_token`, `model.continuing_subword_prefix`,
    /// `model.max_input_chars_per_word`, the `BertNormalizer` flags (`lowercase`, `strip_accents`,
    /// `clean_text`, `handle_chinese_chars`), the `[CLS]`/`[SEP]` of a `TemplateProcessing` or
    /// `BertProcessing` post-processor, the non-normalized `added_tokens` and `truncation.max_length`.
    /// Its padding settings are not applied: pass `padding:` to `encodeBatch`.
    ///
    /// - Throws: `TokenizerError` naming the file and the field at fault.
    public init(tokenizerFile: URL) throws(TokenizerError) {
        let file = tokenizerFile.lastPathComponent
        guard let root = try VocabularyFiles.json(VocabularyFiles.data(of: tokenizerFile), file: file) as? [String: Any] else {
            throw .invalidField(file: file, field: "(root)", reason: "expected a JSON object")
        }
        func field(_ path: String) -> Any? { VocabularyFiles.field(path, in: root) }
        func string(_ path: String, default value: String) throws(TokenizerError) -> String {
            guard let raw = field(path) else { return value }
            guard let s = raw as? String else { throw .invalidField(file: file, field: path, reason: "expected a string") }
            return s
        }
        func flag(_ path: String, default value: Bool?) throws(TokenizerError) -> Bool? {
            guard let raw = field(path) else { return value }
            guard let b = VocabularyFiles.boolean(raw) else { throw .invalidField(file: file, field: path, reason: "expected true, false or null") }
            return b
        }
        func integer(_ path: String, default value: Int) throws(TokenizerError) -> Int {
            guard let raw = field(path) else { return value }
            guard let i = VocabularyFiles.integer(raw), i > 0 else {
                throw .invalidField(file: file, field: path, reason: "expected a positive integer, got \(raw)")
            }
            return i
        }

        guard let type = field("model.type") as? String else {
            throw .invalidField(file: file, field: "model.type", reason: "missing (expected \"WordPiece\")")
        }
        guard type == "WordPiece" else { throw .unsupportedModel(file: file, type: type, expected: "WordPiece") }
        let vocabulary = try VocabularyFiles.tokenList(fromJSONVocabulary: field("model.vocab"), file: file, field: "model.vocab")

        var normalizer = BertNormalizer(cleanText: false, handleChineseCharacters: false, stripAccents: false, lowercase: false)
        if field("normalizer") != nil {
            let normalizerType = try string("normalizer.type", default: "")
            guard normalizerType == "BertNormalizer" else {
                throw .invalidField(file: file, field: "normalizer.type",
                                    reason: "\(normalizerType.debugDescription) is not supported (expected \"BertNormalizer\" or null)")
            }
            let lowercase = try flag("normalizer.lowercase", default: true) ?? true
            normalizer = BertNormalizer(cleanText: try flag("normalizer.clean_text", default: true) ?? true,
                                        handleChineseCharacters: try flag("normalizer.handle_chinese_chars", default: true) ?? true,
                                        stripAccents: try flag("normalizer.strip_accents", default: nil),
                                        lowercase: lowercase)
        }
        if field("pre_tokenizer") != nil {
            let preType = try string("pre_tokenizer.type", default: "")
            guard preType == "BertPreTokenizer" else {
                throw .invalidField(file: file, field: "pre_tokenizer.type",
                                    reason: "\(preType.debugDescription) is not supported (expected \"BertPreTokenizer\")")
            }
        }

        var classifier = "[CLS]", separator = "[SEP]"
        switch try string("post_processor.type", default: "") {
        case "BertProcessing":
            if let cls = (field("post_processor.cls") as? [Any])?.first as? String { classifier = cls }
            if let sep = (field("post_processor.sep") as? [Any])?.first as? String { separator = sep }
        case "TemplateProcessing":
            let specials = (field("post_processor.single") as? [Any] ?? []).compactMap {
                (($0 as? [String: Any])?["SpecialToken"] as? [String: Any])?["id"] as? String
            }
            if specials.count == 2 { classifier = specials[0]; separator = specials[1] }
        default:
            break
        }

        var specialTokens: [String] = []
        if let added = field("added_tokens") {
            guard let list = added as? [Any] else {
                throw .invalidField(file: file, field: "added_tokens", reason: "expected an array")
            }
            for (i, entry) in list.enumerated() {
                guard let object = entry as? [String: Any], let content = object["content"] as? String else {
                    throw .invalidField(file: file, field: "added_tokens[\(i)].content", reason: "expected a string")
                }
                if VocabularyFiles.boolean(object["normalized"]) != true { specialTokens.append(content) }
            }
        }

        let unknown = try string("model.unk_token", default: "[UNK]")
        let pad = try string("padding.pad_token", default: "[PAD]")
        try self.init(vocabulary: vocabulary, normalizer: normalizer,
                      continuingSubwordPrefix: try string("model.continuing_subword_prefix", default: "##"),
                      maxInputCharactersPerWord: try integer("model.max_input_chars_per_word", default: 100),
                      unknownToken: unknown, classifierToken: classifier, separatorToken: separator, paddingToken: pad,
                      specialTokens: field("added_tokens") == nil ? nil : specialTokens,
                      modelMaxLength: try integer("truncation.max_length", default: 512), source: file)
    }
}
