/// How texts become terms for lexical scoring (BM25) and answers become answer-group keys. One place, so
/// that ingestion's statistics and a query's terms always agree.
public enum LexicalTerms {
    /// Words too common to tell entries apart; dropping them keeps BM25 on the words that matter.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in",
        "is", "it", "me", "my", "of", "on", "or", "the", "to", "was", "what", "when", "where", "which", "who", "why",
        "will", "with", "you", "your", "we", "our", "this", "that", "there", "have", "has", "get", "am",
    ]

    /// The longest stop word, in bytes: a longer word is not looked up (nor hashed).
    static let longestStopWord = stopWords.map(\.utf8.count).max() ?? 0

    /// Lower-cased letter-and-digit runs, stop words removed.
    ///
    /// Every question scores every candidate's text this way, so ASCII text (nearly all of it) takes a byte
    /// path: the Unicode property lookups of `Character.isLetter` were 2% of a loaded pipeline (perf).
    public static func terms(_ text: String) -> [String] {
        var text = text
        if let terms = text.withUTF8({ asciiTerms($0) }) { return terms }
        return unicodeTerms(text)
    }

    /// `terms` for ASCII text, byte by byte; nil for any other text.
    static func asciiTerms(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        var terms: [String] = []
        var word: [UInt8] = []
        func flush() {
            guard !word.isEmpty else { return }
            let term = String(decoding: word, as: UTF8.self)
            if word.count > longestStopWord || !stopWords.contains(term) { terms.append(term) }
            word.removeAll(keepingCapacity: true)
        }
        for byte in bytes {
            switch byte {
            case 0x80...: return nil
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            default: flush()
            }
        }
        flush()
        return terms
    }

    /// `terms` for any text, character by character.
    static func unicodeTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                if !stopWords.contains(current) { terms.append(current) }
                current = ""
            }
        }
        if !current.isEmpty, !stopWords.contains(current) { terms.append(current) }
        return terms
    }

    /// The key of an answer group: the answer with case folded and whitespace runs collapsed, so that
    /// entries whose approved answers read the same form one group.
    public static func answerGroupKey(_ answer: String) -> String {
        var text = answer
        if let key = text.withUTF8({ asciiAnswerGroupKey($0) }) { return key }
        return unicodeAnswerGroupKey(answer)
    }

    /// `answerGroupKey` for ASCII text (whitespace: space, tab, line feed, vertical tab, form feed, carriage
    /// return, as `Character.isWhitespace` has it); nil for any other text.
    static func asciiAnswerGroupKey(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var key: [UInt8] = []
        key.reserveCapacity(bytes.count)
        var pendingSpace = false
        for byte in bytes {
            switch byte {
            case 0x80...: return nil
            case 0x09...0x0D, 0x20:
                pendingSpace = !key.isEmpty
            default:
                if pendingSpace {
                    key.append(UInt8(ascii: " "))
                    pendingSpace = false
                }
                key.append(UInt8(ascii: "A")...UInt8(ascii: "Z") ~= byte ? byte + 32 : byte)
            }
        }
        return String(decoding: key, as: UTF8.self)
    }

    static func unicodeAnswerGroupKey(_ answer: String) -> String {
        answer.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
